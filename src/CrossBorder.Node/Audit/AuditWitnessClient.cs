using System.Buffers.Text;
using System.Net;
using System.Text.Json;
using CrossBorder.Core.Audit;
using CrossBorder.Node.Configuration;
using CrossBorder.Node.Keys;
using CrossBorder.Node.Peers;
using Microsoft.Extensions.Options;
using Npgsql;

namespace CrossBorder.Node.Audit;

/// <summary>
/// Sends this node's latest checkpoint to each peer with a consistency proof from the size that peer last
/// cosigned, checks the returned cosignature and stores it. A refused checkpoint (log shrank or forked in the
/// peer's eyes) is logged as an error and not re-sent; the next checkpoint is tried again.
/// </summary>
public sealed class AuditWitnessClient(IServiceScopeFactory scopes, NpgsqlDataSource dataSource, AuditTree tree, NodeKeys keys,
    IOptions<NodeOptions> node, TimeProvider time, ILogger<AuditWitnessClient> log)
{
    private readonly Dictionary<string, long> _refused = new();

    public async Task SendLatestAsync(CancellationToken ct)
    {
        long size;
        string jws;
        await using (var cmd = dataSource.CreateCommand("SELECT tree_size, jws FROM audit_checkpoints ORDER BY tree_size DESC LIMIT 1"))
        await using (var r = await cmd.ExecuteReaderAsync(ct))
        {
            if (!await r.ReadAsync(ct)) return;
            size = r.GetInt64(0);
            jws = r.GetString(1);
        }
        foreach (var peer in node.Value.Peers)
        {
            if (_refused.TryGetValue(peer.Country, out var refused) && refused == size)
                continue;
            try { await SendAsync(peer, size, jws, ct); }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException or PeerTokenException
                                          or Polly.CircuitBreaker.BrokenCircuitException or Polly.Timeout.TimeoutRejectedException)
            {
                if (ct.IsCancellationRequested) throw;
                log.LogWarning("Checkpoint {TreeSize} not cosigned by {Peer} yet: {Error}", size, peer.Country, e.GetType().Name);
            }
        }
    }

    private async Task SendAsync(PeerOptions peer, long size, string checkpointJws, CancellationToken ct)
    {
        long from;
        await using (var cmd = dataSource.CreateCommand(
            "SELECT coalesce(max(tree_size), 0) FROM audit_cosignatures WHERE witness = $1 AND tree_size <= $2"))
        {
            cmd.Parameters.Add(new NpgsqlParameter { Value = peer.Country });
            cmd.Parameters.Add(new NpgsqlParameter { Value = size });
            var last = (long)(await cmd.ExecuteScalarAsync(ct))!;
            if (last == size) return; // already cosigned
            from = last;
        }
        using var activity = Telemetry.NodeActivities.StartCosign(peer.Country, size);

        await using var scope = scopes.CreateAsyncScope();
        var client = scope.ServiceProvider.GetRequiredService<PeerClient>();
        for (var attempt = 0; attempt < 2; attempt++)
        {
            var proof = await tree.ComputeAsync(p => MerkleTree.ConsistencyProof(p, from, size), ct);
            var body = JsonSerializer.Serialize(new CosignRequest(checkpointJws, from, proof.Select(h => Base64Url.EncodeToString(h)).ToList()),
                JsonSerializerOptions.Web);
            var response = await client.CosignAsync(peer, body, ct);
            if (response.Status == HttpStatusCode.OK)
            {
                await StoreAsync(peer, size, checkpointJws, response.Body.Trim(), ct);
                return;
            }
            // The peer witnessed another size than we recorded (e.g. our cosignature was lost): prove from there.
            if (response.Status == HttpStatusCode.Conflict && WitnessedSize(response.Body) is { } witnessed && witnessed <= size && witnessed != from)
            {
                from = witnessed;
                continue;
            }
            if ((int)response.Status is >= 400 and < 500 and not 408 and not 429)
            {
                _refused[peer.Country] = size;
                log.LogError("Peer {Peer} refused to cosign checkpoint {TreeSize}: {Status} {Code}", peer.Country, size,
                    (int)response.Status, ProblemCode(response.Body));
            }
            else
            {
                log.LogWarning("Peer {Peer} did not cosign checkpoint {TreeSize}: {Status}", peer.Country, size, (int)response.Status);
            }
            return;
        }
    }

    private async Task StoreAsync(PeerOptions peer, long size, string checkpointJws, string cosignature, CancellationToken ct)
    {
        if (!keys.Peers.TryGetValue(peer.Country, out var peerKeys)
            || !Checkpoint.VerifyCosignature(checkpointJws, cosignature, peerKeys, out var error))
        {
            log.LogError("Peer {Peer} returned an invalid cosignature for checkpoint {TreeSize}", peer.Country, size);
            return;
        }
        await using var cmd = dataSource.CreateCommand("""
            INSERT INTO audit_cosignatures (tree_size, witness, jws, received_at) VALUES ($1, $2, $3, $4)
            ON CONFLICT DO NOTHING
            """);
        cmd.Parameters.Add(new NpgsqlParameter { Value = size });
        cmd.Parameters.Add(new NpgsqlParameter { Value = peer.Country });
        cmd.Parameters.Add(new NpgsqlParameter { Value = cosignature });
        cmd.Parameters.Add(new NpgsqlParameter { Value = time.GetUtcNow() });
        await cmd.ExecuteNonQueryAsync(ct);
        _ = error;
    }

    private static long? WitnessedSize(string body)
    {
        try
        {
            using var doc = JsonDocument.Parse(body);
            return doc.RootElement.TryGetProperty("witnessedSize", out var s) && s.TryGetInt64(out var v) ? v : null;
        }
        catch (JsonException) { return null; }
    }

    private static string ProblemCode(string body)
    {
        try
        {
            using var doc = JsonDocument.Parse(body);
            return doc.RootElement.TryGetProperty("code", out var c) ? c.GetString() ?? "" : "";
        }
        catch (JsonException) { return ""; }
    }
}
