using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using CrossBorder.Deploy.Tests.Infrastructure;

namespace CrossBorder.Deploy.Tests;

/// <summary>
/// CloudNativePG's kinds (Cluster, ScheduledBackup, and the Barman Cloud plugin's ObjectStore) have no published
/// schema on npm or NuGet, so their required fields and the values this deployment depends on are checked here by
/// hand, after the CRDs' own rules (postgresql.cnpg.io/v1, barmancloud.cnpg.io/v1).
/// </summary>
[TestFixture("deploy/kubernetes/overlays/fr", "fr")]
[TestFixture("deploy/kubernetes/overlays/gb", "gb")]
public sealed partial class CloudNativePgTests(string overlay, string country)
{
    private const string BarmanPlugin = "barman-cloud.cloudnative-pg.io";

    private List<Manifest> _manifests = [];

    [OneTimeSetUp]
    public async Task RenderAsync() => _manifests = await Kustomize.RenderAsync(overlay);

    private JsonNode Spec(string apiVersion, string kind) =>
        _manifests.Single(m => m.ApiVersion == apiVersion && m.Kind == kind).Json["spec"]
        ?? throw new AssertionException($"{kind} has no spec");

    private static string? Text(JsonNode? node) => node?.GetValue<string>();

    [Test]
    public void Cluster_HasThreeInstancesSpreadOverKubernetesNodes()
    {
        var spec = Spec("postgresql.cnpg.io/v1", "Cluster");
        Assert.Multiple(() =>
        {
            Assert.That(spec["instances"]!.GetValue<long>(), Is.EqualTo(3), "one primary and two replicas");
            Assert.That(Text(spec["storage"]?["size"]), Does.Match(Quantity()), "storage.size");
            Assert.That(Text(spec["affinity"]?["podAntiAffinityType"]), Is.EqualTo("required"));
            Assert.That(Text(spec["affinity"]?["topologyKey"]), Is.EqualTo("kubernetes.io/hostname"));
            Assert.That(spec.AsObject().Select(p => p.Key), Is.SubsetOf(ClusterSpecFields), "fields of ClusterSpec");
        });
    }

    [Test]
    public void Cluster_BootstrapsTheOwnerAndTheApplicationRoleOfAuditMd()
    {
        var spec = Spec("postgresql.cnpg.io/v1", "Cluster");
        var initdb = spec["bootstrap"]!["initdb"]!;
        var role = spec["managed"]!["roles"]!.AsArray().Single()!;
        var sql = string.Join("\n", initdb["postInitApplicationSQL"]!.AsArray().Select(s => Text(s)));
        Assert.Multiple(() =>
        {
            Assert.That(Text(initdb["database"]), Is.EqualTo("crossborder"));
            Assert.That(Text(initdb["owner"]), Is.EqualTo("crossborder_owner"));
            Assert.That(Text(role["name"]), Is.EqualTo("crossborder_app"), "the role the AuditLog migration narrows");
            Assert.That(role["login"]!.GetValue<bool>(), Is.True);
            Assert.That(Text(role["passwordSecret"]?["name"]), Is.EqualTo("crossborder-db-app-role"));
            Assert.That(sql, Does.Contain("CREATE ROLE crossborder_app"));
            Assert.That(sql, Does.Contain("ALTER DEFAULT PRIVILEGES FOR ROLE crossborder_owner IN SCHEMA public GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO crossborder_app"));
        });
    }

    [Test]
    public void Cluster_ArchivesWalAndBacksUpToTheCountrysObjectStore()
    {
        var cluster = Spec("postgresql.cnpg.io/v1", "Cluster");
        var plugin = cluster["plugins"]!.AsArray().Single(p => Text(p!["name"]) == BarmanPlugin)!;
        var store = _manifests.Single(m => m.ApiVersion == "barmancloud.cnpg.io/v1" && m.Kind == "ObjectStore");
        var configuration = store.Json["spec"]!["configuration"]!;
        Assert.Multiple(() =>
        {
            Assert.That(plugin["isWALArchiver"]!.GetValue<bool>(), Is.True, "continuous WAL archiving");
            Assert.That(Text(plugin["parameters"]?["barmanObjectName"]), Is.EqualTo(store.Name));
            Assert.That(Text(configuration["destinationPath"]), Does.Match($"^(s3|gs)://[^/]+/{country}/$|^https://.+/{country}/?$"),
                "each country backs up to its own path");
            Assert.That(Text(configuration["s3Credentials"]?["accessKeyId"]?["name"]), Is.EqualTo("crossborder-backup-credentials"));
            Assert.That(Text(configuration["s3Credentials"]?["secretAccessKey"]?["key"]), Is.EqualTo("ACCESS_SECRET_KEY"));
            Assert.That(Text(store.Json["spec"]!["retentionPolicy"]), Does.Match("^[1-9][0-9]*[dwm]$"), "retentionPolicy format");
            Assert.That(Text(configuration["serverName"]), Is.Null, "must stay empty with the plugin");
        });
    }

    [Test]
    public void ScheduledBackup_RunsDailyThroughThePluginForThisCluster()
    {
        var cluster = _manifests.Single(m => m.Kind == "Cluster");
        var spec = Spec("postgresql.cnpg.io/v1", "ScheduledBackup");
        Assert.Multiple(() =>
        {
            Assert.That(Text(spec["cluster"]?["name"]), Is.EqualTo(cluster.Name), "required: cluster");
            // Required: schedule, a cron expression with a seconds field (six fields).
            Assert.That(Text(spec["schedule"])!.Split(' ', StringSplitOptions.RemoveEmptyEntries), Has.Length.EqualTo(6));
            Assert.That(Text(spec["method"]), Is.EqualTo("plugin"));
            Assert.That(Text(spec["pluginConfiguration"]?["name"]), Is.EqualTo(BarmanPlugin));
            Assert.That(Text(spec["backupOwnerReference"]), Is.AnyOf("none", "self", "cluster"));
        });
    }

    [Test]
    public void NodeAndMigrations_ConnectToThePrimaryWithVerifiedTls()
    {
        var cluster = _manifests.Single(m => m.Kind == "Cluster").Name;
        var connectionStrings = _manifests.Where(m => m.Kind is "Deployment" or "Job")
            .SelectMany(m => m.Json["spec"]!["template"]!["spec"]!["containers"]!.AsArray())
            .Select(c => c!["env"]!.AsArray().Single(e => Text(e!["name"]) == "ConnectionStrings__Node")!["value"]!.GetValue<string>())
            .ToList();
        Assert.That(connectionStrings, Has.Count.EqualTo(2));
        Assert.That(connectionStrings, Has.All.Contains($"Host={cluster}-rw;").And.All.Contains("SSL Mode=VerifyFull")
            .And.All.Contains($"Root Certificate=/run/secrets/db-ca/ca.crt").And.All.Not.Contains("Password="));
    }

    /// <summary>ClusterSpec's top-level fields used here (postgresql.cnpg.io/v1), so a misspelt one is caught.</summary>
    private static readonly string[] ClusterSpecFields =
    [
        "instances", "imageName", "primaryUpdateStrategy", "enablePDB", "affinity", "storage", "walStorage", "resources",
        "postgresql", "bootstrap", "managed", "plugins", "backup", "monitoring", "description", "inheritedMetadata",
    ];

    [GeneratedRegex("^[0-9]+(Mi|Gi|Ti)$")]
    private static partial Regex Quantity();
}
