using CrossBorder.Cli.Local;

namespace CrossBorder.Cli.Bench;

/// <summary>
/// A node's ministry access token for a long run: fetched on first use and fetched again when a request that used it
/// was refused with 401 (tokens live 5 minutes), once however many requests were refused with it at the same time.
/// </summary>
public sealed class RenewableToken(DevNode node) : IDisposable
{
    private readonly SemaphoreSlim _gate = new(1, 1);
    private string? _token;

    public async Task<string> CurrentAsync(CancellationToken ct) => Volatile.Read(ref _token) ?? await RenewAsync(null, ct);

    /// <summary>A new token in place of <paramref name="refused"/>, unless another caller already replaced it.</summary>
    public async Task<string> RenewAsync(string? refused, CancellationToken ct)
    {
        await _gate.WaitAsync(ct);
        try
        {
            if (_token is null || _token == refused)
                Volatile.Write(ref _token, await NodeToken.FetchMinistryTokenAsync(node, ct));
            return _token!;
        }
        finally
        {
            _gate.Release();
        }
    }

    public void Dispose() => _gate.Dispose();
}
