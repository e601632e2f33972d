using System.Buffers.Text;
using System.Text.Json.Nodes;
using CrossBorder.Cli.Commands;
using CrossBorder.Node.Tests.Infrastructure;
using Npgsql;

namespace CrossBorder.Node.Tests.Audit;

/// <summary>Reads a node's audit log through its auditor API and, as a superuser would, straight from PostgreSQL.</summary>
public static class AuditProbe
{
    /// <summary>Waits until every pending entry is sequenced and the latest checkpoint covers the whole log and is cosigned.</summary>
    public static async Task<JsonObject> SettledCheckpointAsync(TestNode node, HttpClient auditor, long atLeast = 1) =>
        await NodePair.EventuallyAsync(async () =>
        {
            using var response = await auditor.GetAsync("api/v1/audit/checkpoints/latest");
            if (!response.IsSuccessStatusCode) return null;
            var checkpoint = JsonNode.Parse(await response.Content.ReadAsStringAsync())!.AsObject();
            var size = checkpoint["treeSize"]!.GetValue<long>();
            var settled = size >= atLeast && checkpoint["cosignature"] is not null
                && await ScalarAsync(node, "SELECT count(*) FROM audit_pending") == 0
                && await ScalarAsync(node, "SELECT count(*) FROM audit_entries") == size;
            return settled ? checkpoint : null;
        }, c => c is not null, TimeSpan.FromSeconds(30), "the audit log settles with a cosigned checkpoint") ?? throw new InvalidOperationException();

    public static async Task<List<JsonObject>> EntriesAsync(HttpClient auditor, string query = "", int limit = 1000)
    {
        var all = new List<JsonObject>();
        string? cursor = null;
        do
        {
            var page = await NodePair.GetJsonAsync(auditor, $"api/v1/audit/entries?limit={limit}{query}{(cursor is null ? "" : "&cursor=" + cursor)}");
            all.AddRange(page["items"]!.AsArray().Select(i => i!.AsObject()));
            cursor = page["nextCursor"]?.GetValue<string>();
        } while (cursor is not null);
        return all;
    }

    public static byte[] Leaf(JsonObject entry) => Base64Url.DecodeFromChars(entry["leaf"]!.GetValue<string>());

    public static async Task<long> ScalarAsync(TestNode node, string sql)
    {
        await using var connection = new NpgsqlConnection(node.ConnectionString);
        await connection.OpenAsync();
        await using var cmd = new NpgsqlCommand(sql, connection);
        return Convert.ToInt64(await cmd.ExecuteScalarAsync());
    }

    /// <summary>Runs SQL as the superuser with triggers off, as an insider rewriting history would.</summary>
    public static async Task TamperAsync(TestNode node, string sql)
    {
        await using var connection = new NpgsqlConnection(node.ConnectionString);
        await connection.OpenAsync();
        await using var tx = await connection.BeginTransactionAsync();
        await using (var off = new NpgsqlCommand("SET LOCAL session_replication_role = replica", connection, tx))
            await off.ExecuteNonQueryAsync();
        await using (var cmd = new NpgsqlCommand(sql, connection, tx))
            await cmd.ExecuteNonQueryAsync();
        await tx.CommitAsync();
    }

    /// <summary>Runs <c>crossborder audit verify</c> in process against <paramref name="node"/>; returns the exit code and output.</summary>
    public static async Task<(int Exit, string Output)> VerifyAsync(TestNode node, params string[] extra)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        string[] args = ["audit", "verify", "--url", node.Url.AbsoluteUri, "--client-id", node.AuditorClientId, "--client-secret", node.AuditorSecret,
            "--peer-url", node.Peer!.Url.AbsoluteUri, .. extra];
        var exit = await CliApp.InvokeAsync(args, output, error);
        return (exit, output + error.ToString());
    }
}
