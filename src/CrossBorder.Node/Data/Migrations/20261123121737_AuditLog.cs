using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace CrossBorder.Node.Data.Migrations
{
    /// <inheritdoc />
    public partial class AuditLog : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<bool>(
                name: "has_conflict",
                table: "referrals",
                type: "boolean",
                nullable: false,
                defaultValue: false);

            migrationBuilder.AddColumn<DateTimeOffset>(
                name: "information_due_at",
                table: "referrals",
                type: "timestamp with time zone",
                nullable: true);

            migrationBuilder.AddColumn<DateTimeOffset>(
                name: "next_due_at",
                table: "referrals",
                type: "timestamp with time zone",
                nullable: true);

            migrationBuilder.AddColumn<DateTimeOffset>(
                name: "reexamination_reply_due_at",
                table: "referrals",
                type: "timestamp with time zone",
                nullable: true);

            migrationBuilder.AddColumn<DateTimeOffset>(
                name: "reexamination_request_due_at",
                table: "referrals",
                type: "timestamp with time zone",
                nullable: true);

            migrationBuilder.AddColumn<DateTimeOffset>(
                name: "transfer_due_at",
                table: "referrals",
                type: "timestamp with time zone",
                nullable: true);

            migrationBuilder.CreateTable(
                name: "audit_checkpoints",
                columns: table => new
                {
                    tree_size = table.Column<long>(type: "bigint", nullable: false),
                    root_hash = table.Column<byte[]>(type: "bytea", nullable: false),
                    signed_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    jws = table.Column<string>(type: "text", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_audit_checkpoints", x => x.tree_size);
                });

            migrationBuilder.CreateTable(
                name: "audit_cosignatures",
                columns: table => new
                {
                    tree_size = table.Column<long>(type: "bigint", nullable: false),
                    witness = table.Column<string>(type: "character varying(2)", maxLength: 2, nullable: false),
                    jws = table.Column<string>(type: "text", nullable: false),
                    received_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_audit_cosignatures", x => new { x.tree_size, x.witness });
                });

            migrationBuilder.CreateTable(
                name: "audit_entries",
                columns: table => new
                {
                    log_index = table.Column<long>(type: "bigint", nullable: false),
                    recorded_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    kind = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    client_id = table.Column<string>(type: "character varying(100)", maxLength: 100, nullable: true),
                    referral_id = table.Column<Guid>(type: "uuid", nullable: true),
                    message_id = table.Column<Guid>(type: "uuid", nullable: true),
                    leaf = table.Column<byte[]>(type: "bytea", nullable: false),
                    leaf_hash = table.Column<byte[]>(type: "bytea", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_audit_entries", x => x.log_index);
                });

            migrationBuilder.CreateTable(
                name: "audit_pending",
                columns: table => new
                {
                    id = table.Column<Guid>(type: "uuid", nullable: false),
                    recorded_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    kind = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    client_id = table.Column<string>(type: "character varying(100)", maxLength: 100, nullable: true),
                    referral_id = table.Column<Guid>(type: "uuid", nullable: true),
                    message_id = table.Column<Guid>(type: "uuid", nullable: true),
                    message_type = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: true),
                    peer = table.Column<string>(type: "character varying(2)", maxLength: 2, nullable: true),
                    digest = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: true),
                    receipt_digest = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: true),
                    code = table.Column<string>(type: "character varying(16)", maxLength: 16, nullable: true),
                    purpose = table.Column<string>(type: "character varying(100)", maxLength: 100, nullable: true),
                    detail = table.Column<string>(type: "character varying(200)", maxLength: 200, nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_audit_pending", x => x.id);
                });

            migrationBuilder.CreateTable(
                name: "audit_tree_nodes",
                columns: table => new
                {
                    level = table.Column<int>(type: "integer", nullable: false),
                    position = table.Column<long>(type: "bigint", nullable: false),
                    hash = table.Column<byte[]>(type: "bytea", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_audit_tree_nodes", x => new { x.level, x.position });
                });

            migrationBuilder.CreateTable(
                name: "audit_witness",
                columns: table => new
                {
                    origin = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    tree_size = table.Column<long>(type: "bigint", nullable: false),
                    root_hash = table.Column<byte[]>(type: "bytea", nullable: false),
                    checkpoint_jws = table.Column<string>(type: "text", nullable: false),
                    cosignature_jws = table.Column<string>(type: "text", nullable: false),
                    cosigned_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_audit_witness", x => new { x.origin, x.tree_size });
                });

            migrationBuilder.CreateTable(
                name: "feed_events",
                columns: table => new
                {
                    position = table.Column<long>(type: "bigint", nullable: false),
                    type = table.Column<string>(type: "character varying(40)", maxLength: 40, nullable: false),
                    referral_id = table.Column<Guid>(type: "uuid", nullable: false),
                    reference = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    status = table.Column<string>(type: "character varying(40)", maxLength: 40, nullable: false),
                    message_id = table.Column<Guid>(type: "uuid", nullable: true),
                    step = table.Column<string>(type: "character varying(40)", maxLength: 40, nullable: true),
                    detail = table.Column<string>(type: "character varying(200)", maxLength: 200, nullable: true),
                    at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_feed_events", x => x.position);
                });

            migrationBuilder.CreateTable(
                name: "referral_steps",
                columns: table => new
                {
                    id = table.Column<Guid>(type: "uuid", nullable: false),
                    referral_id = table.Column<Guid>(type: "uuid", nullable: false),
                    step = table.Column<string>(type: "character varying(40)", maxLength: 40, nullable: false),
                    outcome = table.Column<string>(type: "character varying(20)", maxLength: 20, nullable: true),
                    taken_by = table.Column<string>(type: "character varying(8)", maxLength: 8, nullable: false),
                    from_status = table.Column<string>(type: "character varying(40)", maxLength: 40, nullable: false),
                    to_status = table.Column<string>(type: "character varying(40)", maxLength: 40, nullable: false),
                    at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    message_id = table.Column<Guid>(type: "uuid", nullable: true),
                    conflict = table.Column<bool>(type: "boolean", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_referral_steps", x => x.id);
                });

            migrationBuilder.CreateTable(
                name: "used_client_assertions",
                columns: table => new
                {
                    client_id = table.Column<string>(type: "character varying(100)", maxLength: 100, nullable: false),
                    jti = table.Column<string>(type: "character varying(128)", maxLength: 128, nullable: false),
                    expires_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_used_client_assertions", x => new { x.client_id, x.jti });
                });

            migrationBuilder.CreateIndex(
                name: "IX_referrals_next_due_at",
                table: "referrals",
                column: "next_due_at");

            migrationBuilder.CreateIndex(
                name: "IX_audit_entries_client_id_log_index",
                table: "audit_entries",
                columns: new[] { "client_id", "log_index" });

            migrationBuilder.CreateIndex(
                name: "IX_audit_entries_kind_log_index",
                table: "audit_entries",
                columns: new[] { "kind", "log_index" });

            migrationBuilder.CreateIndex(
                name: "IX_audit_entries_message_id_log_index",
                table: "audit_entries",
                columns: new[] { "message_id", "log_index" });

            migrationBuilder.CreateIndex(
                name: "IX_audit_entries_recorded_at",
                table: "audit_entries",
                column: "recorded_at");

            migrationBuilder.CreateIndex(
                name: "IX_audit_entries_referral_id_log_index",
                table: "audit_entries",
                columns: new[] { "referral_id", "log_index" });

            migrationBuilder.CreateIndex(
                name: "IX_feed_events_referral_id",
                table: "feed_events",
                column: "referral_id");

            migrationBuilder.CreateIndex(
                name: "IX_referral_steps_referral_id_at",
                table: "referral_steps",
                columns: new[] { "referral_id", "at" });

            migrationBuilder.CreateIndex(
                name: "IX_used_client_assertions_expires_at",
                table: "used_client_assertions",
                column: "expires_at");

            // Issue 4: the log tables are append-only. The trigger binds every role, the owner too (only a
            // superuser can switch it off, and that is what the verifier and the peer's witness state detect).
            migrationBuilder.Sql("""
                CREATE FUNCTION audit_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN
                    RAISE EXCEPTION 'the audit log table % is append-only: % refused', TG_TABLE_NAME, TG_OP
                        USING ERRCODE = 'insufficient_privilege';
                END $$;
                """);
            foreach (var table in AuditModel.AppendOnlyTables)
            {
                migrationBuilder.Sql($"""
                    CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table}
                        FOR EACH ROW EXECUTE FUNCTION audit_refuse_change();
                    CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table}
                        FOR EACH STATEMENT EXECUTE FUNCTION audit_refuse_change();
                    """);
            }
            // When the node runs as the separate application role (deploy/AUDIT.md), that role may only read and
            // insert the log tables; audit_pending is the sequencer's queue, so it may also delete from it.
            migrationBuilder.Sql($"""
                DO $$
                BEGIN
                    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'crossborder_app') THEN
                        REVOKE ALL ON {string.Join(", ", AuditModel.AppendOnlyTables)} FROM crossborder_app;
                        GRANT SELECT, INSERT ON {string.Join(", ", AuditModel.AppendOnlyTables)} TO crossborder_app;
                        REVOKE ALL ON audit_pending FROM crossborder_app;
                        GRANT SELECT, INSERT, DELETE ON audit_pending TO crossborder_app;
                    END IF;
                END $$;
                """);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            foreach (var table in AuditModel.AppendOnlyTables)
                migrationBuilder.Sql($"DROP TRIGGER IF EXISTS {table}_append_only ON {table}; DROP TRIGGER IF EXISTS {table}_no_truncate ON {table};");
            migrationBuilder.DropTable(
                name: "audit_checkpoints");

            migrationBuilder.DropTable(
                name: "audit_cosignatures");

            migrationBuilder.DropTable(
                name: "audit_entries");

            migrationBuilder.DropTable(
                name: "audit_pending");

            migrationBuilder.DropTable(
                name: "audit_tree_nodes");

            migrationBuilder.DropTable(
                name: "audit_witness");

            migrationBuilder.DropTable(
                name: "feed_events");

            migrationBuilder.DropTable(
                name: "referral_steps");

            migrationBuilder.DropTable(
                name: "used_client_assertions");

            migrationBuilder.DropIndex(
                name: "IX_referrals_next_due_at",
                table: "referrals");

            migrationBuilder.DropColumn(
                name: "has_conflict",
                table: "referrals");

            migrationBuilder.DropColumn(
                name: "information_due_at",
                table: "referrals");

            migrationBuilder.DropColumn(
                name: "next_due_at",
                table: "referrals");

            migrationBuilder.DropColumn(
                name: "reexamination_reply_due_at",
                table: "referrals");

            migrationBuilder.DropColumn(
                name: "reexamination_request_due_at",
                table: "referrals");

            migrationBuilder.DropColumn(
                name: "transfer_due_at",
                table: "referrals");
            migrationBuilder.Sql("DROP FUNCTION IF EXISTS audit_refuse_change();");
        }
    }
}
