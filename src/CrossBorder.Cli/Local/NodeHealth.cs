namespace CrossBorder.Cli.Local;

/// <summary>A node's readiness as <c>GET /health/ready</c> answers it now.</summary>
public static class NodeHealth
{
    public const string Ready = "ready";

    /// <summary>"ready", "not ready (503)" or "down" (no answer within 3 s).</summary>
    public static async Task<string> ReadAsync(string url, CancellationToken ct)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(3) };
        try
        {
            using var response = await http.GetAsync($"{url.TrimEnd('/')}/health/ready", ct);
            return (int)response.StatusCode == 200 ? Ready : $"not ready ({(int)response.StatusCode})";
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException && !ct.IsCancellationRequested)
        {
            return "down";
        }
    }
}
