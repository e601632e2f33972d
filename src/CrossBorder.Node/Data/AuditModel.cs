using Microsoft.EntityFrameworkCore;

namespace CrossBorder.Node.Data;

/// <summary>The audit log's tables (issue 4). The append-only trigger and grants are in the AuditLog migration.</summary>
public static class AuditModel
{
    /// <summary>Tables nobody may UPDATE or DELETE: the trigger of the AuditLog migration guards them.</summary>
    public static readonly IReadOnlyList<string> AppendOnlyTables =
        ["audit_entries", "audit_tree_nodes", "audit_checkpoints", "audit_cosignatures", "audit_witness"];

    public static void Configure(ModelBuilder b)
    {
        b.Entity<AuditPendingEntry>(e =>
        {
            e.ToTable("audit_pending");
            Strings(e.Property(p => p.Kind), e.Property(p => p.ClientId), e.Property(p => p.MessageType), e.Property(p => p.Peer),
                e.Property(p => p.Digest), e.Property(p => p.ReceiptDigest), e.Property(p => p.Code), e.Property(p => p.Purpose),
                e.Property(p => p.Detail));
        });
        b.Entity<AuditLogEntry>(e =>
        {
            e.ToTable("audit_entries");
            e.HasKey(x => x.LogIndex);
            e.Property(x => x.LogIndex).ValueGeneratedNever();
            e.Property(x => x.Kind).HasMaxLength(64);
            e.Property(x => x.ClientId).HasMaxLength(100);
            // Auditor filters; each ends with the index so a filtered page is an index range scan.
            e.HasIndex(x => new { x.ReferralId, x.LogIndex });
            e.HasIndex(x => new { x.MessageId, x.LogIndex });
            e.HasIndex(x => new { x.ClientId, x.LogIndex });
            e.HasIndex(x => new { x.Kind, x.LogIndex });
            e.HasIndex(x => x.RecordedAt);
        });
        b.Entity<AuditTreeNode>(e =>
        {
            e.ToTable("audit_tree_nodes");
            e.HasKey(x => new { x.Level, x.Position });
        });
        b.Entity<AuditCheckpoint>(e =>
        {
            e.ToTable("audit_checkpoints");
            e.HasKey(x => x.TreeSize);
            e.Property(x => x.TreeSize).ValueGeneratedNever();
        });
        b.Entity<AuditCosignature>(e =>
        {
            e.ToTable("audit_cosignatures");
            e.HasKey(x => new { x.TreeSize, x.Witness });
            e.Property(x => x.Witness).HasMaxLength(2);
        });
        b.Entity<AuditWitnessRecord>(e =>
        {
            e.ToTable("audit_witness");
            e.HasKey(x => new { x.Origin, x.TreeSize });
            e.Property(x => x.Origin).HasMaxLength(64);
        });
    }

    /// <summary>The <c>code</c> column: a problem code (<c>CB0101</c>) or a short OAuth error code.</summary>
    public const int CodeMaxLength = 16;

    private static void Strings(params Microsoft.EntityFrameworkCore.Metadata.Builders.PropertyBuilder[] properties)
    {
        foreach (var p in properties)
            p.HasMaxLength(p.Metadata.Name switch { "Detail" => 200, "Purpose" => 100, "ClientId" => 100, "Peer" => 2, "Code" => CodeMaxLength, _ => 64 });
    }
}
