using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using CrossBorder.Cli.Bench;
using CrossBorder.Cli.Local;

namespace CrossBorder.Cli.Commands;

/// <summary>
/// <c>crossborder bench attachment</c> (issue 14): documents of one or more sizes from FR's ministry API to stored and checked
/// at GB, timed, with each node's RSS before and at its peak while each goes. Everything it starts, it stops.
/// </summary>
public sealed class BenchAttachmentCommand : CliCommand
{
    public const double RssTargetMb = 300;
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(5);

    private const int WarmUpMb = 1;
    private const long DefaultMaxBytes = 25L * 1024 * 1024;

    private readonly Option<int> _sizeMb = CliOptions.PositiveInt("--size-mb", 25, "size of the generated PDF (one size; see --sizes)", "MiB");
    private readonly Option<string?> _sizes = new("--sizes")
    {
        Description = "several sizes in one run, comma-separated, each on its own referral (e.g. 5,25,50); overrides --size-mb",
        HelpName = "MiB,MiB,...",
    };
    private readonly Option<bool> _noBuild = new("--no-build") { Description = "run the published Release node as it is instead of publishing it first" };
    private readonly Option<string?> _root = CliOptions.Root();
    private readonly Option<int> _pgPort = CliOptions.Port("--pg-port", 55452, "private PostgreSQL (data in .local/bench-attachment-pg)");
    private readonly Option<int> _frPort = CliOptions.Port("--fr-port", 5211, "the FR node's port on 127.0.0.1");
    private readonly Option<int> _gbPort = CliOptions.Port("--gb-port", 5212, "the GB node's port on 127.0.0.1");

    public BenchAttachmentCommand()
        : base("bench attachment", "documents from FR's ministry API to stored at GB: time and each node's RSS rise, per size", """
            Publishes the node (Release, ReadyToRun), starts a private PostgreSQL with fresh databases and the FR and GB nodes
            (keys and config under .local/bench-attachment/). After a 1 MiB warm-up document (not measured), for each size:
            creates a referral at FR and waits for its receipt, uploads a generated valid PDF of that size to FR and waits until
            GB lists it (received in full, digest checked) and FR holds GB's receipt. RSS of both nodes is read just before the
            upload (baseline) and sampled every 50 ms until the receipt (peak); the rise is peak minus baseline, and should not
            grow with the size. Attachments:MaxBytes is raised on both nodes only when a size exceeds the default 25 MiB.
            Prints a table, then one JSON line per figure.
              dotnet run -c Release --project src/CrossBorder.Cli -- bench attachment --sizes 5,25,50
              dotnet run -c Release --project src/CrossBorder.Cli -- bench attachment --size-mb 25
            """)
    {
        foreach (Option option in new Option[] { _sizeMb, _sizes, _noBuild, _root, _pgPort, _frPort, _gbPort })
            Add(option);
        CliOptions.RequireDistinct(this, _pgPort, _frPort, _gbPort);
        _sizes.Validators.Add(result =>
        {
            if (SizesOf(result.GetValueOrDefault<string?>()) is null)
                result.AddError("--sizes must be positive whole numbers of MiB separated by commas, e.g. 5,25,50");
        });
    }

    /// <summary>The sizes in MiB from <c>--sizes</c>, or null when they are not positive whole numbers.</summary>
    public static IReadOnlyList<int>? SizesOf(string? text)
    {
        if (text is null)
            return [];
        var sizes = new List<int>();
        foreach (var part in text.Split(',', StringSplitOptions.TrimEntries))
        {
            if (!int.TryParse(part, NumberStyles.None, CultureInfo.InvariantCulture, out var mb) || mb < 1 || mb > 2047)
                return null;
            sizes.Add(mb);
        }
        return sizes;
    }

    protected override async Task<int> RunAsync(ParseResult parse, CancellationToken ct)
    {
        return await ShutdownSignal.RunInterruptibleAsync(token => RunBenchAsync(parse, token), ct);
    }

    private async Task<int> RunBenchAsync(ParseResult parse, CancellationToken ct)
    {
        var root = CliOptions.ResolveRoot(parse, _root);
        var sizesMb = SizesOf(parse.GetValue(_sizes)) is { Count: > 0 } many ? many : [parse.GetValue(_sizeMb)];
        var largest = sizesMb.Max() * 1024L * 1024;
        var local = Path.Combine(root, ".local");
        var publish = Path.Combine(local, "bench-attachment", "publish");
        var nodeAssembly = Path.Combine(publish, "CrossBorder.Node.dll");
        if (!parse.GetValue(_noBuild))
            await ReleasePublish.RunAttachedAsync(Path.Combine(root, "src", "CrossBorder.Node"), publish, ct);
        if (!File.Exists(nodeAssembly))
            throw new FileNotFoundException($"{nodeAssembly} is missing (run without --no-build)");
        PortCheck.EnsureFree(parse.GetValue(_frPort), "FR node", "--fr-port");
        PortCheck.EnsureFree(parse.GetValue(_gbPort), "GB node", "--gb-port");

        Console.WriteLine($"Starting PostgreSQL on 127.0.0.1:{parse.GetValue(_pgPort)}...");
        await using var postgres = await LocalPostgres.StartAsync(Path.Combine(local, "bench-attachment-pg"), parse.GetValue(_pgPort), ct);
        var directory = Path.Combine(local, "bench-attachment");
        DevNode[] nodes = [DevNode.Prepare(directory, "FR", parse.GetValue(_frPort)), DevNode.Prepare(directory, "GB", parse.GetValue(_gbPort))];
        var environment = new Dictionary<string, string>
        {
            ["Logging__LogLevel__Default"] = "Warning",
            ["RateLimit__PermitsPerSecond"] = "1000000",
            ["RateLimit__Burst"] = "1000000",
        };
        // The nodes' bound is raised for the bench only, and only when a size needs it.
        if (largest > DefaultMaxBytes)
            environment["Attachments__MaxBytes"] = largest.ToString(CultureInfo.InvariantCulture);
        var processes = new List<NodeProcess>();
        try
        {
            foreach (var node in nodes)
            {
                await postgres.DropDatabaseAsync(node.Database, ct);
                await postgres.CreateDatabaseAsync(node.Database, ct);
                DevConfigFiles.WriteNodeConfig(node, nodes.Where(peer => peer != node), postgres.ConnectionString(node.Database));
            }
            foreach (var node in nodes)
            {
                Console.WriteLine($"Starting {node.Country}...");
                var process = NodeProcess.Start(node, nodeAssembly, environment);
                processes.Add(process);
                await process.WaitUntilReadyAsync(TimeSpan.FromSeconds(120), ct);
            }
            return await MeasureAsync(root, nodes[0], nodes[1], processes, sizesMb, ct);
        }
        finally
        {
            Console.WriteLine("Stopping the nodes and PostgreSQL...");
            await Task.WhenAll(processes.Select(p => p.StopAsync(TimeSpan.FromSeconds(10))));
            foreach (var process in processes)
                await process.DisposeAsync();
        }
    }

    private static async Task<int> MeasureAsync(string root, DevNode fr, DevNode gb, List<NodeProcess> processes, IReadOnlyList<int> sizesMb,
        CancellationToken ct)
    {
        using var frApi = await ClientAsync(fr, ct);
        using var gbApi = await ClientAsync(gb, ct);
        var referral = await File.ReadAllTextAsync(Path.Combine(root, "src", "CrossBorder.Node", "Contract", "Examples", "referral.json"), ct);
        var pids = processes.ToDictionary(p => p.Country, p => p.ProcessId);

        // Not measured: the first document pays for JIT, connection pools and buffer pools, which a size must not be charged for.
        Console.WriteLine($"Warm-up: one {WarmUpMb} MiB PDF, not measured...");
        await TransferAsync(frApi, gbApi, referral, pids, WarmUpMb * 1024L * 1024, ct);
        var runs = new List<AttachmentRun>();
        foreach (var mb in sizesMb)
        {
            Console.WriteLine($"Uploading a {mb} MiB PDF to FR and waiting until GB holds it and FR holds GB's receipt...");
            runs.Add(await TransferAsync(frApi, gbApi, referral, pids, mb * 1024L * 1024, ct));
        }

        Console.WriteLine();
        Console.WriteLine(TextTable.Format(AttachmentRun.Table(runs, RssTargetMb)));
        var json = new JsonSerializerOptions { DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };
        foreach (var figure in runs.SelectMany(r => r.Figures(RssTargetMb)))
            Console.WriteLine(JsonSerializer.Serialize(figure, json));
        return runs.All(r => r.Intact) ? ExitCodes.Ok : ExitCodes.Failure;
    }

    /// <summary>
    /// One document through both nodes on a fresh referral (delivered first): RSS is sampled from just before the upload
    /// until FR holds GB's receipt; the download from GB that checks the content comes after, outside that window.
    /// </summary>
    private static async Task<AttachmentRun> TransferAsync(HttpClient frApi, HttpClient gbApi, string referral, Dictionary<string, int> pids,
        long size, CancellationToken ct)
    {
        using var create = new HttpRequestMessage(HttpMethod.Post, "api/v1/referrals") { Content = new StringContent(referral, Encoding.UTF8, "application/json") };
        create.Headers.Add("Idempotency-Key", Guid.NewGuid().ToString());
        using var created = await frApi.SendAsync(create, ct);
        created.EnsureSuccessStatusCode();
        var id = JsonNode.Parse(await created.Content.ReadAsStringAsync(ct))!["id"]!.GetValue<string>();
        await UntilAsync(async () => JsonNode.Parse(await frApi.GetStringAsync($"api/v1/referrals/{id}", ct))!["delivery"]?["state"]?.GetValue<string>() == "delivered",
            "the referral's receipt", ct);

        var before = pids.ToDictionary(p => p.Key, p => ProcessMemory.ResidentMegabytes(p.Value));
        var sampler = new RssSampler(pids, TimeSpan.FromMilliseconds(50));
        var watch = Stopwatch.StartNew();
        var pdf = new GeneratedPdf(size);
        pdf.Headers.ContentType = new MediaTypeHeaderValue("application/pdf");
        using var upload = new HttpRequestMessage(HttpMethod.Post, $"api/v1/referrals/{id}/attachments") { Content = pdf };
        upload.Headers.Add("Idempotency-Key", Guid.NewGuid().ToString());
        using var uploaded = await frApi.SendAsync(upload, ct);
        var uploadText = await uploaded.Content.ReadAsStringAsync(ct);
        if (!uploaded.IsSuccessStatusCode)
            throw new InvalidOperationException($"FR refused the upload: {(int)uploaded.StatusCode} {uploadText}");
        var uploadSeconds = watch.Elapsed.TotalSeconds;
        var attachmentId = JsonNode.Parse(uploadText)!["id"]!.GetValue<string>();
        await UntilAsync(async () => JsonNode.Parse(await gbApi.GetStringAsync($"api/v1/referrals/{id}/attachments", ct))!["items"]!.AsArray()
            .Any(i => i!["id"]!.GetValue<string>() == attachmentId), "GB to hold the document", ct);
        var storedSeconds = watch.Elapsed.TotalSeconds;
        await UntilAsync(async () => JsonNode.Parse(await frApi.GetStringAsync($"api/v1/referrals/{id}/attachments", ct))!["items"]![0]!["deliveredAt"] is not null,
            "FR to hold GB's receipt", ct);
        var receiptSeconds = watch.Elapsed.TotalSeconds;
        await sampler.DisposeAsync();

        using var download = new HttpRequestMessage(HttpMethod.Get, $"api/v1/referrals/{id}/attachments/{attachmentId}");
        download.Headers.Add("X-Purpose", "benchmark");
        using var downloaded = await gbApi.SendAsync(download, HttpCompletionOption.ResponseHeadersRead, ct);
        downloaded.EnsureSuccessStatusCode();
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        await using (var body = await downloaded.Content.ReadAsStreamAsync(ct))
        {
            var buffer = new byte[81920];
            int n;
            while ((n = await body.ReadAsync(buffer, ct)) > 0)
                sha.AppendData(buffer, 0, n);
        }
        var intact = pdf.Sha256 is { } sent && sha.GetHashAndReset().AsSpan().SequenceEqual(sent);
        return new AttachmentRun(size, uploadSeconds, storedSeconds, receiptSeconds, before, sampler.Peak, sampler.Samples, intact);
    }

    private static async Task<HttpClient> ClientAsync(DevNode node, CancellationToken ct)
    {
        var http = new HttpClient { BaseAddress = new Uri(node.Url + "/"), Timeout = Timeout };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", await NodeToken.FetchMinistryTokenAsync(node, ct));
        return http;
    }

    private static async Task UntilAsync(Func<Task<bool>> condition, string what, CancellationToken ct)
    {
        var watch = Stopwatch.StartNew();
        while (!await condition())
        {
            if (watch.Elapsed > Timeout)
                throw new TimeoutException($"waited {Timeout.TotalMinutes:F0} min for {what}");
            await Task.Delay(TimeSpan.FromMilliseconds(20), ct);
        }
    }
}
