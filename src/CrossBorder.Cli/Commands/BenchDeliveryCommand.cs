using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using CrossBorder.Cli.Local;

namespace CrossBorder.Cli.Commands;

/// <summary>
/// <c>crossborder bench delivery</c>: time from <c>POST /api/v1/referrals</c> on FR to FR holding GB's
/// signed receipt, on a running local pair (<c>crossborder up</c>), one referral at a time.
/// </summary>
public sealed class BenchDeliveryCommand : CliCommand
{
    private readonly Option<int> _count = CliOptions.PositiveInt("--count", 50, "referrals to send, one after the other; each waits for its receipt");
    private readonly Option<string?> _root = CliOptions.Root();
    private readonly Option<string?> _localDir = CliOptions.LocalDir();

    public BenchDeliveryCommand()
        : base("bench delivery", "measure create-to-receipt latency on a running local pair (after `up`)", """
            Prints min, median, p95 and max milliseconds from the 201 request to the receipt being visible on the FR node.
            Run it against an idle pair; the first referral includes JIT and token warm-up and is reported separately.
            """)
    {
        Add(_count);
        Add(_root);
        Add(_localDir);
    }

    protected override async Task<int> RunAsync(ParseResult parse, CancellationToken ct)
    {
        var count = parse.GetValue(_count);
        var root = CliOptions.ResolveRoot(parse, _root);
        var local = CliOptions.ResolveLocalDir(parse, _localDir, _root);

        var clients = JsonNode.Parse(await File.ReadAllTextAsync(Path.Combine(local, DevConfigFiles.DevClientsFileName), ct))!["nodes"]!["FR"]!;
        var ministry = clients["clients"]!["ministry"]!;
        using var http = new HttpClient { BaseAddress = new Uri(clients["url"]!.GetValue<string>().TrimEnd('/') + "/") };
        using var token = await http.PostAsync("connect/token", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["grant_type"] = "client_credentials",
            ["client_id"] = ministry["clientId"]!.GetValue<string>(),
            ["client_secret"] = ministry["clientSecret"]!.GetValue<string>(),
        }), ct);
        token.EnsureSuccessStatusCode();
        var accessToken = JsonDocument.Parse(await token.Content.ReadAsStringAsync(ct)).RootElement.GetProperty("access_token").GetString();
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", accessToken);
        var body = await File.ReadAllTextAsync(Path.Combine(root, "src", "CrossBorder.Node", "Contract", "Examples", "referral.json"), ct);

        var samples = new List<double>();
        for (var i = 0; i <= count; i++)
        {
            var watch = Stopwatch.StartNew();
            using var request = new HttpRequestMessage(HttpMethod.Post, "api/v1/referrals")
            {
                Content = new StringContent(body, Encoding.UTF8, "application/json"),
            };
            request.Headers.Add("Idempotency-Key", Guid.NewGuid().ToString());
            using var created = await http.SendAsync(request, ct);
            created.EnsureSuccessStatusCode();
            var id = JsonNode.Parse(await created.Content.ReadAsStringAsync(ct))!["id"]!.GetValue<string>();
            while (true)
            {
                var referral = JsonNode.Parse(await http.GetStringAsync($"api/v1/referrals/{id}", ct))!;
                if (referral["delivery"]?["state"]?.GetValue<string>() == "delivered") break;
                if (watch.Elapsed > TimeSpan.FromSeconds(60))
                    throw new TimeoutException($"referral {id} not delivered within 60 s; is the GB node up?");
                await Task.Delay(2, ct);
            }
            if (i == 0)
                await Output.WriteLineAsync($"warm-up (first referral): {watch.Elapsed.TotalMilliseconds:F0} ms");
            else
                samples.Add(watch.Elapsed.TotalMilliseconds);
        }

        samples.Sort();
        string At(double q) => samples[Math.Min(samples.Count - 1, (int)(q * samples.Count))].ToString("F0", CultureInfo.InvariantCulture);
        await Output.WriteLineAsync($"create -> receipt over {samples.Count} referrals: min {At(0)} ms, median {At(0.5)} ms, p95 {At(0.95)} ms, max {At(1)} ms");
        return ExitCodes.Ok;
    }
}
