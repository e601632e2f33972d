using System.Text.RegularExpressions;
using CrossBorder.Deploy.Tests.Infrastructure;
using YamlDotNet.RepresentationModel;

namespace CrossBorder.Deploy.Tests;

/// <summary>
/// Issue 13: the image's build context keeps keys and secrets out (.dockerignore, checked with
/// @balena/dockerignore, a port of Docker's own matcher), and the Dockerfile and compose file keep their promises.
/// No container engine runs here, so the image itself is not built by these tests.
/// </summary>
public sealed partial class DockerTests
{
    private static readonly string Dockerignore = Repository.PathOf(".dockerignore");

    [Test]
    public async Task Dockerignore_KeysSecretsAndBuildOutput_StayOutOfTheContext()
    {
        string[] secret =
        [
            ".local/fr/signing-key.pem", ".local/clients.json", ".local/pg/data/postgresql.conf", ".local/logs/fr.log",
            "deploy/config/fr/node.json", "deploy/config/fr/db-password", "deploy/config/gb/signing-key.pem",
            "keys/fr-signing-key.pem", "src/CrossBorder.Node/dev.key", "certs/node.pfx", "a/b/secrets/kek", "a/secrets.json",
            ".env", "src/.env.production", "tests/x/node.json",
            ".git/config", "src/CrossBorder.Node/bin/Release/net10.0/CrossBorder.Node.dll", "src/CrossBorder.Core/obj/project.assets.json",
            "node_modules/x/index.js", "tests/CrossBorder.Deploy.Tests/validators/node_modules/ignore/index.js",
            "TestResults/a.trx", "tests/CrossBorder.Node.Tests/TestResults/b.trx",
        ];
        var ignored = await Validators.DockerIgnoredAsync(Dockerignore, secret);
        Assert.Multiple(() =>
        {
            foreach (var path in secret)
                Assert.That(ignored[path], Is.True, $"{path} would enter the build context");
        });
    }

    [Test]
    public async Task Dockerignore_EveryFileTheDockerfileCopies_StaysInTheContext()
    {
        var sources = CopySources().ToList();
        Assert.That(sources, Does.Contain("src/CrossBorder.Node/").And.Contain("Directory.Packages.props"));
        var files = (await TrackedFilesAsync()).Where(f => sources.Any(s => s.EndsWith('/') ? f.StartsWith(s, StringComparison.Ordinal) : f == s)).ToList();
        Assert.That(files, Has.Some.EndsWith(".cs").And.Some.EndsWith(".csproj"));
        var ignored = await Validators.DockerIgnoredAsync(Dockerignore, files);
        Assert.That(ignored.Where(p => p.Value).Select(p => p.Key), Is.Empty, "files the build needs but .dockerignore drops");
    }

    [Test]
    public async Task Dockerignore_TheMatcher_FollowsDockersAnchoredRules()
    {
        // Docker anchors a pattern at the context root (unlike .gitignore): `bin` alone would not drop src/x/bin.
        var file = Path.Combine(Path.GetTempPath(), $"dockerignore-{Guid.NewGuid():N}");
        await File.WriteAllTextAsync(file, "bin\n**/obj\n!keep/obj\n");
        try
        {
            var ignored = await Validators.DockerIgnoredAsync(file, ["bin/a", "src/x/bin/a", "src/obj/a", "keep/obj"]);
            Assert.That(ignored, Is.EquivalentTo(new Dictionary<string, bool>
                { ["bin/a"] = true, ["src/x/bin/a"] = false, ["src/obj/a"] = true, ["keep/obj"] = false }));
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Test]
    public void Dockerfile_BuildsOnTheSdkAndRunsOnTheAspNetRuntimeOfDotNet10()
    {
        var dockerfile = Repository.Read("deploy/Dockerfile");
        var stages = FromLine().Matches(dockerfile).Select(m => m.Groups["image"].Value).ToList();
        Assert.Multiple(() =>
        {
            Assert.That(dockerfile, Does.Contain("ARG DOTNET_VERSION=10.0"));
            Assert.That(stages, Is.EqualTo(new[] { "mcr.microsoft.com/dotnet/sdk:${DOTNET_VERSION}", "mcr.microsoft.com/dotnet/aspnet:${DOTNET_VERSION}" }));
            Assert.That(dockerfile, Does.Contain("COPY --from=build"));
        });
    }

    [Test]
    public void Dockerfile_PublishesReadyToRunForTheImagesArchitecture_RestoringWhatThatNeeds()
    {
        var build = Repository.Read("deploy/Dockerfile").Split("AS runtime")[0];
        var restore = build.Split('\n').Single(l => l.StartsWith("RUN dotnet restore", StringComparison.Ordinal));
        var publish = Regex.Match(build, @"(?m)^RUN dotnet publish (?:.*\\\n)*.*$").Value;
        Assert.Multiple(() =>
        {
            Assert.That(build, Does.Match(@"(?m)^ARG TARGETARCH$"), "BuildKit's target architecture, declared in the build stage");
            foreach (var (name, line) in new[] { ("restore", restore), ("publish", publish) })
            {
                Assert.That(line, Does.Contain("-a \"$TARGETARCH\""), $"{name} for the image's architecture");
                Assert.That(line, Does.Contain("-p:PublishReadyToRun=true"), $"{name} with ReadyToRun (restore fetches the compiler)");
            }
            Assert.That(publish, Does.Contain("--no-restore").And.Contain("--self-contained false"), "on the runtime image's shared framework");
        });
    }

    [Test]
    public void Dockerfile_FinalStage_NonRootNumericUserPortsAndAHealthCheckWithoutCurl()
    {
        var final = string.Join("\n", Repository.Read("deploy/Dockerfile").Split("AS runtime")[1].Split('\n')
            .Where(l => !l.TrimStart().StartsWith('#')));
        var user = UserLine().Match(final);
        Assert.Multiple(() =>
        {
            Assert.That(user.Success, Is.True, "USER in the final stage");
            Assert.That(int.Parse(user.Groups["uid"].Value), Is.GreaterThan(0), "numeric and not root");
            Assert.That(final, Does.Match(@"(?m)^EXPOSE 8080 9090$"));
            Assert.That(final, Does.Contain("Management__Port=9090"));
            Assert.That(final, Does.Match(@"(?m)^HEALTHCHECK .*\\$").Or.Match(@"(?m)^HEALTHCHECK "));
            Assert.That(final, Does.Contain("\"healthcheck\"]"), "the node's own probe");
            Assert.That(final, Does.Not.Contain("curl").And.Not.Contain("wget"));
            Assert.That(final, Does.Contain("ENTRYPOINT [\"dotnet\", \"/app/CrossBorder.Node.dll\"]"));
        });
    }

    [Test]
    public void Compose_ThePairEachWithItsOwnDatabase_ReadOnlyWithSecretsMountedReadOnly()
    {
        var services = ComposeServices();
        Assert.That(services.Keys, Is.SupersetOf(new[] { "node-fr", "node-gb", "db-fr", "db-gb", "prometheus" }));
        Assert.Multiple(() =>
        {
            foreach (var (node, db, port) in new[] { ("node-fr", "db-fr", "5433"), ("node-gb", "db-gb", "5434") })
            {
                var service = services[node];
                Assert.That(Scalar(service, "read_only"), Is.EqualTo("true"), $"{node} read-only root");
                Assert.That(Sequence(service, "tmpfs"), Has.Some.StartsWith("/tmp"), $"{node} writable /tmp");
                Assert.That(Sequence(service, "cap_drop"), Is.EqualTo(new[] { "ALL" }));
                Assert.That(Sequence(service, "volumes"), Is.Not.Empty.And.All.EndsWith(":ro"), $"{node} mounts keys and secrets read-only");
                Assert.That(((YamlMappingNode)service["depends_on"]).Children.Keys.Select(k => k.ToString()), Is.EqualTo(new[] { db }));
                Assert.That(Sequence(services[db], "command"), Does.Contain($"port={port}"), $"{db} is the country's own server");
            }
            Assert.That(Sequence(services["prometheus"], "profiles"), Is.EqualTo(new[] { "monitoring" }), "Prometheus is optional");
            Assert.That(Sequence(services["prometheus"], "volumes"), Does.Contain("./prometheus:/etc/prometheus:ro"));
        });
    }

    [Test]
    public void Compose_PrometheusScrapesEachNodesManagementPortWithItsNodeLabel()
    {
        var services = ComposeServices();
        var prometheus = new YamlStream();
        prometheus.Load(new StringReader(Repository.Read("deploy/prometheus/prometheus.yml")));
        var targets = ((YamlSequenceNode)((YamlMappingNode)((YamlSequenceNode)((YamlMappingNode)prometheus.Documents[0].RootNode)["scrape_configs"])[0])["static_configs"])
            .Cast<YamlMappingNode>()
            .ToDictionary(c => ((YamlMappingNode)c["labels"])["node"].ToString(), c => ((YamlSequenceNode)c["targets"])[0].ToString());
        Assert.That(targets, Is.EquivalentTo(new Dictionary<string, string>
        {
            ["FR"] = $"127.0.0.1:{Environment(services["node-fr"], "Management__Port")}",
            ["GB"] = $"127.0.0.1:{Environment(services["node-gb"], "Management__Port")}",
        }));
    }

    private static Dictionary<string, YamlMappingNode> ComposeServices()
    {
        var stream = new YamlStream();
        stream.Load(new StringReader(Repository.Read("deploy/compose.yaml")));
        var root = (YamlMappingNode)stream.Documents[0].RootNode;
        return ((YamlMappingNode)root["services"]).Children.ToDictionary(c => c.Key.ToString(), c => Merged((YamlMappingNode)c.Value));
    }

    /// <summary>A service with its `<<: *anchor` keys merged in, as compose does.</summary>
    private static YamlMappingNode Merged(YamlMappingNode service)
    {
        var merged = new YamlMappingNode();
        if (service.Children.TryGetValue(new YamlScalarNode("<<"), out var baseNode))
            foreach (var (key, value) in ((YamlMappingNode)baseNode).Children) merged.Children[key] = value;
        foreach (var (key, value) in service.Children.Where(c => c.Key.ToString() != "<<")) merged.Children[key] = value;
        return merged;
    }

    private static string? Scalar(YamlMappingNode node, string key) =>
        node.Children.TryGetValue(new YamlScalarNode(key), out var value) ? value.ToString() : null;

    private static List<string> Sequence(YamlMappingNode node, string key) =>
        node.Children.TryGetValue(new YamlScalarNode(key), out var value) && value is YamlSequenceNode seq
            ? seq.Children.Select(c => c.ToString()).ToList()
            : [];

    private static string Environment(YamlMappingNode service, string name) => ((YamlMappingNode)service["environment"])[name].ToString();

    /// <summary>The sources of the build stage's COPY lines (not COPY --from).</summary>
    private static IEnumerable<string> CopySources() =>
        CopyLine().Matches(Repository.Read("deploy/Dockerfile"))
            .SelectMany(m => m.Groups["args"].Value.Split(' ', StringSplitOptions.RemoveEmptyEntries).SkipLast(1));

    private static async Task<List<string>> TrackedFilesAsync()
    {
        var git = Tool.Require("GIT", "git lists the repository's files.", "git");
        var result = await Tool.RunAsync(git, ["ls-files"]);
        Assert.That(result.ExitCode, Is.EqualTo(0), result.Error);
        return result.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries).ToList();
    }

    [GeneratedRegex(@"(?m)^FROM (?<image>\S+)")]
    private static partial Regex FromLine();

    [GeneratedRegex(@"(?m)^USER (?<uid>\d+)(:\d+)?$")]
    private static partial Regex UserLine();

    [GeneratedRegex(@"(?m)^COPY (?!--from)(?<args>[^\n]+)$")]
    private static partial Regex CopyLine();
}
