using System.Globalization;

namespace CrossBorder.Node.Hosting;

/// <summary>
/// <c>CrossBorder.Node healthcheck [url]</c>: one GET of the node's readiness, exit 0 on 200 and 1 otherwise. The
/// container image's HEALTHCHECK runs it, since the ASP.NET Core runtime image has neither curl nor wget.
/// </summary>
public static class HealthProbe
{
    public const string Command = "healthcheck";

    public static async Task<int> RunAsync(string[] args)
    {
        var url = args.Length > 0 ? args[0] : DefaultUrl(Environment.GetEnvironmentVariable("ASPNETCORE_HTTP_PORTS"));
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(3) };
        try
        {
            using var response = await http.GetAsync(url);
            if ((int)response.StatusCode == StatusCodes.Status200OK)
                return 0;
            await System.Console.Error.WriteLineAsync($"{url}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
        {
            await System.Console.Error.WriteLineAsync($"{url}: {e.Message}");
        }
        return 1;
    }

    /// <summary>Readiness on loopback at the first port of <c>ASPNETCORE_HTTP_PORTS</c> (the image sets 8080).</summary>
    internal static string DefaultUrl(string? httpPorts)
    {
        var first = httpPorts?.Split([';', ','], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).FirstOrDefault();
        var port = int.TryParse(first, NumberStyles.None, CultureInfo.InvariantCulture, out var p) ? p : 8080;
        return $"http://127.0.0.1:{port}/health/ready";
    }
}
