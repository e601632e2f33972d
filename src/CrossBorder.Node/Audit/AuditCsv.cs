using System.Globalization;
using System.Text;
using CrossBorder.Core.Audit;

namespace CrossBorder.Node.Audit;

/// <summary>RFC 4180 CSV of audit entries, every field quoted, with a header row; the same columns as the JSON.</summary>
public static class AuditCsv
{
    public const string Header = "index,time,kind,client,referralId,messageId,messageType,peer,digest,receiptDigest,code,purpose,detail,leaf";

    public static string Write(IEnumerable<AuditEntryView> entries)
    {
        var sb = new StringBuilder(Header).Append("\r\n");
        foreach (var e in entries)
        {
            string?[] fields = [e.Index.ToString(CultureInfo.InvariantCulture), AuditEntry.FormatTime(e.Time), e.Kind, e.Client,
                e.ReferralId?.ToString(), e.MessageId?.ToString(), e.MessageType, e.Peer, e.Digest, e.ReceiptDigest, e.Code, e.Purpose,
                e.Detail, e.Leaf];
            sb.AppendJoin(',', fields.Select(Quote)).Append("\r\n");
        }
        return sb.ToString();
    }

    // Quoted always; a leading formula character is neutralised (OWASP CSV injection) though entries never start with one.
    private static string Quote(string? value)
    {
        if (value is null) return "";
        if (value.Length > 0 && value[0] is '=' or '+' or '-' or '@') value = "'" + value;
        return "\"" + value.Replace("\"", "\"\"") + "\"";
    }
}
