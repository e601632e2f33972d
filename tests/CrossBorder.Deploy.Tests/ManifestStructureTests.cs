using System.Text.Json.Nodes;
using CrossBorder.Deploy.Tests.Infrastructure;
using k8s.Models;

namespace CrossBorder.Deploy.Tests;

/// <summary>Issue 13: what each overlay must hold beyond schema validity, checked on `kubectl kustomize`'s output.</summary>
[TestFixture("deploy/kubernetes/overlays/fr", "FR")]
[TestFixture("deploy/kubernetes/overlays/gb", "GB")]
public sealed class ManifestStructureTests(string overlay, string country)
{
    private List<Manifest> _manifests = [];

    [OneTimeSetUp]
    public async Task RenderAsync() => _manifests = await Kustomize.RenderAsync(overlay);

    private IEnumerable<T> All<T>(string kind) => _manifests.Where(m => m.Kind == kind).Select(m => m.As<T>());

    private V1Deployment Node => All<V1Deployment>("Deployment").Single();

    private V1Job Migrations => All<V1Job>("Job").Single();

    [Test]
    public void Everything_InTheCountrysOwnNamespace()
    {
        var expected = $"crossborder-{country.ToLowerInvariant()}";
        Assert.Multiple(() =>
        {
            foreach (var m in _manifests.Where(m => m.Kind != "Namespace"))
                Assert.That(m.Namespace, Is.EqualTo(expected), $"{m.Kind} {m.Name}");
            Assert.That(All<V1Namespace>("Namespace").Single().Metadata.Labels["pod-security.kubernetes.io/enforce"], Is.EqualTo("restricted"));
        });
    }

    [Test]
    public void EveryObject_BelongsToOneStageOfTheDocumentedApplyOrder()
    {
        // deploy/README.md applies an overlay in stages with `-l app.kubernetes.io/component=<stage>`: nothing may fall between.
        string[] stages = ["namespace", "database", "migrations", "node"];
        Assert.Multiple(() =>
        {
            foreach (var m in _manifests)
                Assert.That(m.Json["metadata"]?["labels"]?["app.kubernetes.io/component"]?.GetValue<string>(), Is.AnyOf(stages), $"{m.Kind} {m.Name}");
        });
    }

    [Test]
    public void Deployments_RunTwoOrMoreReplicas()
    {
        Assert.That(All<V1Deployment>("Deployment").Select(d => d.Spec.Replicas ?? 1), Is.Not.Empty.And.All.GreaterThanOrEqualTo(2));
    }

    [Test]
    public void DeploymentContainers_HaveStartupReadinessAndLivenessProbesOnTheHealthEndpoints()
    {
        Assert.Multiple(() =>
        {
            foreach (var c in All<V1Deployment>("Deployment").SelectMany(d => d.Spec.Template.Spec.Containers))
            {
                Assert.That(c.StartupProbe?.HttpGet?.Path, Is.EqualTo("/health/live"), $"{c.Name} startup");
                Assert.That(c.ReadinessProbe?.HttpGet?.Path, Is.EqualTo("/health/ready"), $"{c.Name} readiness");
                Assert.That(c.LivenessProbe?.HttpGet?.Path, Is.EqualTo("/health/live"), $"{c.Name} liveness: never the database");
            }
        });
    }

    [Test]
    public void EveryContainer_HasRequestsAndCpuAndMemoryLimits()
    {
        Assert.Multiple(() =>
        {
            foreach (var (owner, c) in Containers())
            {
                Assert.That(c.Resources?.Limits?.Keys, Is.SupersetOf(new[] { "cpu", "memory" }), $"{owner}/{c.Name} limits");
                Assert.That(c.Resources?.Requests?.Keys, Is.SupersetOf(new[] { "cpu", "memory" }), $"{owner}/{c.Name} requests");
            }
        });
    }

    [Test]
    public void EveryContainer_IsRestricted_NonRootReadOnlyNoCapabilitiesRuntimeDefaultSeccompNoEscalation()
    {
        Assert.Multiple(() =>
        {
            foreach (var (owner, pod, c) in Pods().SelectMany(p => p.Pod.Containers.Select(c => (p.Owner, p.Pod, c))))
            {
                var s = c.SecurityContext;
                var name = $"{owner}/{c.Name}";
                Assert.That(s?.RunAsNonRoot ?? pod.SecurityContext?.RunAsNonRoot, Is.True, $"{name} runAsNonRoot");
                Assert.That(s?.RunAsUser ?? pod.SecurityContext?.RunAsUser, Is.GreaterThan(0), $"{name} numeric non-root user");
                Assert.That(s?.ReadOnlyRootFilesystem, Is.True, $"{name} readOnlyRootFilesystem");
                Assert.That(s?.AllowPrivilegeEscalation, Is.False, $"{name} allowPrivilegeEscalation");
                Assert.That(s?.Capabilities?.Drop, Is.EquivalentTo(new[] { "ALL" }), $"{name} drops ALL capabilities");
                Assert.That(s?.Capabilities?.Add, Is.Null.Or.Empty, $"{name} adds no capability");
                Assert.That(s?.SeccompProfile?.Type ?? pod.SecurityContext?.SeccompProfile?.Type, Is.EqualTo("RuntimeDefault"), $"{name} seccomp");
                Assert.That(c.VolumeMounts?.Select(v => v.MountPath), Does.Contain("/tmp"), $"{name} a writable /tmp on a read-only root");
                Assert.That(pod.Volumes.Single(v => v.Name == c.VolumeMounts!.Single(m => m.MountPath == "/tmp").Name).EmptyDir, Is.Not.Null);
            }
        });
    }

    [Test]
    public void PodDisruptionBudget_CoversTheNodeAndKeepsOneReplica()
    {
        var pdb = All<V1PodDisruptionBudget>("PodDisruptionBudget").Single();
        Assert.Multiple(() =>
        {
            Assert.That(Selects(pdb.Spec.Selector.MatchLabels, Node.Spec.Template.Metadata.Labels), Is.True);
            Assert.That(pdb.Spec.MinAvailable?.Value, Is.EqualTo("1"));
            Assert.That(Node.Spec.Replicas, Is.GreaterThan(int.Parse(pdb.Spec.MinAvailable!.Value)), "a drain can proceed");
        });
    }

    [Test]
    public void NetworkPolicy_LetsOnlyTheIngressControllersReachTheApiPortAndMonitoringTheManagementPort()
    {
        var policy = All<V1NetworkPolicy>("NetworkPolicy").Single(p => Selects(p.Spec.PodSelector.MatchLabels, Node.Spec.Template.Metadata.Labels));
        Assert.Multiple(() =>
        {
            Assert.That(policy.Spec.PolicyTypes, Is.EquivalentTo(new[] { "Ingress", "Egress" }));
            Assert.That(policy.Spec.Ingress.SelectMany(r => r.FromProperty), Has.All.Matches<V1NetworkPolicyPeer>(
                p => p.NamespaceSelector is not null && p.IpBlock is null), "from named namespaces only, never an address range");
            var byPort = policy.Spec.Ingress.ToDictionary(r => r.Ports.Single().Port.Value,
                r => r.FromProperty.Select(p => p.NamespaceSelector.MatchLabels["kubernetes.io/metadata.name"]).ToList());
            Assert.That(byPort.Keys, Is.EquivalentTo(new[] { "8080", "9090" }));
            Assert.That(byPort["8080"], Is.EquivalentTo(new[] { "ingress-peer", "ingress-ministry" }));
            Assert.That(byPort["9090"], Is.EquivalentTo(new[] { "monitoring" }));
        });
        var database = All<V1NetworkPolicy>("NetworkPolicy").Single(p => p.Spec.PodSelector.MatchLabels.ContainsKey("cnpg.io/cluster"));
        Assert.That(database.Spec.Ingress.Where(r => r.Ports?.Any(p => p.Port.Value == "5432") == true).SelectMany(r => r.FromProperty)
            .Select(p => p.PodSelector.MatchLabels["app.kubernetes.io/component"]), Is.EquivalentTo(new[] { "node", "migrations" }));
    }

    [Test]
    public void PeerIngress_RoutesOnlyExchangeAndTheTokenEndpoint_MinistryIngressNeverTheExchangeMessages()
    {
        var ingresses = All<V1Ingress>("Ingress").ToDictionary(i => i.Metadata.Name);
        var peer = ingresses["crossborder-peer"].Spec.Rules.Single().Http.Paths.Select(p => p.Path);
        var ministry = ingresses["crossborder-ministry"].Spec.Rules.Single().Http.Paths.ToList();
        Assert.Multiple(() =>
        {
            Assert.That(peer, Is.EquivalentTo(new[] { "/exchange", "/connect/token" }));
            Assert.That(ministry.Where(p => "/exchange/v1/messages".StartsWith(p.Path, StringComparison.Ordinal)
                || "/exchange/v1/checkpoints".StartsWith(p.Path, StringComparison.Ordinal)), Is.Empty);
            Assert.That(ministry.Single(p => p.Path.StartsWith("/exchange", StringComparison.Ordinal)).PathType, Is.EqualTo("Exact"),
                "only the public keys");
            Assert.That(ingresses.Values.Count(i => i.Spec.Tls is { Count: > 0 }), Is.EqualTo(2), "TLS on both");
        });
    }

    [Test]
    public void Replicas_NeverMigrate_TheMigrationsJobDoesWithTheOwnerRole()
    {
        var node = Node.Spec.Template.Spec.Containers.Single();
        var job = Migrations.Spec.Template.Spec.Containers.Single();
        Assert.Multiple(() =>
        {
            Assert.That(Env(node, "Database__Migrate"), Is.EqualTo("false"));
            Assert.That(Env(job, "Database__Migrate"), Is.EqualTo("only"));
            Assert.That(job.Image, Is.EqualTo(node.Image), "the Job migrates to the schema of the image the replicas run");
            Assert.That(SecretOf(job, "PGPASSWORD"), Is.EqualTo("crossborder-db-app"), "the owner role (CloudNativePG's bootstrap Secret)");
            Assert.That(SecretOf(node, "PGPASSWORD"), Is.EqualTo("crossborder-db-app-role"), "the application role");
            Assert.That(Migrations.Spec.Template.Spec.RestartPolicy, Is.EqualTo("OnFailure"));
            Assert.That(Migrations.Spec.ActiveDeadlineSeconds, Is.Not.Null);
            Assert.That(job.Env.Select(e => e.Name), Has.None.StartsWith("Node__"), "the Job holds no node key or client secret");
        });
    }

    [Test]
    public void ServiceAndServiceMonitor_ExposeTheManagementPortWithTheNodeLabel()
    {
        var service = All<V1Service>("Service").Single();
        var monitor = _manifests.Single(m => m.Kind == "ServiceMonitor").Json["spec"]!;
        Assert.Multiple(() =>
        {
            Assert.That(Selects(service.Spec.Selector, Node.Spec.Template.Metadata.Labels), Is.True);
            Assert.That(service.Metadata.Labels["node"], Is.EqualTo(country));
            Assert.That(monitor["targetLabels"]!.AsArray().Select(l => l!.GetValue<string>()), Does.Contain("node"));
            Assert.That(monitor["endpoints"]![0]!["port"]!.GetValue<string>(), Is.EqualTo("management"));
            Assert.That(service.Spec.Ports.Single(p => p.Name == "management").TargetPort.Value, Is.EqualTo("management"));
            Assert.That(Node.Spec.Template.Spec.Containers.Single().Ports.Single(p => p.Name == "management").ContainerPort, Is.EqualTo(9090));
            Assert.That(Env(Node.Spec.Template.Spec.Containers.Single(), "Management__Port"), Is.EqualTo("9090"));
            var monitorSelector = monitor["selector"]!["matchLabels"]!.AsObject().ToDictionary(p => p.Key, p => p.Value!.GetValue<string>());
            Assert.That(Selects(monitorSelector, service.Metadata.Labels), Is.True);
        });
    }

    [Test]
    public void NodeConfiguration_NamesThisCountryAndThePeersPublicUrl()
    {
        var config = All<V1ConfigMap>("ConfigMap").Single(c => c.Metadata.Name.StartsWith("crossborder-node-config", StringComparison.Ordinal));
        var node = JsonNode.Parse(config.Data["node.json"])!["Node"]!;
        var other = country == "FR" ? "gb" : "fr";
        var otherNode = JsonNode.Parse(Repository.Read($"deploy/kubernetes/overlays/{other}/node.json"))!["Node"]!;
        var peerHost = All<V1Ingress>("Ingress").Single(i => i.Metadata.Name == "crossborder-peer").Spec.Rules.Single().Host;
        Assert.Multiple(() =>
        {
            Assert.That(node["Country"]!.GetValue<string>(), Is.EqualTo(country));
            Assert.That(new Uri(node["PublicUrl"]!.GetValue<string>()).Scheme, Is.EqualTo("https"));
            Assert.That(new Uri(node["PublicUrl"]!.GetValue<string>()).Host, Is.EqualTo(peerHost), "the peer reaches the issuer at the peer ingress");
            // The peer signs its client assertion for this URL and OpenIddict checks it against the issuer: they must match.
            Assert.That(node["Peers"]![0]!["Url"]!.GetValue<string>(), Is.EqualTo(otherNode["PublicUrl"]!.GetValue<string>()));
            Assert.That(node["Peers"]![0]!["JwksPath"]!.GetValue<string>(), Does.StartWith("/etc/crossborder/"));
            Assert.That(config.Data.Keys, Does.Contain("peer-jwks.json"));
            var secretIndexes = Node.Spec.Template.Spec.Containers.Single().Env
                .Where(e => e.Name.StartsWith("Node__Clients__", StringComparison.Ordinal)).Select(e => e.Name.Split("__")[2]);
            Assert.That(secretIndexes, Is.EquivalentTo(Enumerable.Range(0, node["Clients"]!.AsArray().Count).Select(i => i.ToString())),
                "every client in node.json gets its secret from the Secret");
            Assert.That(config.Data["node.json"], Does.Not.Contain("ClientSecret").And.Not.Contain("KeyEncryptionKey"), "no secret in a ConfigMap");
        });
    }

    [Test]
    public void SecretReferences_AreInTheTemplateOrCreatedByCloudNativePg()
    {
        var templated = Manifest.Parse(Repository.Read("deploy/kubernetes/secrets.example.yaml"))
            .ToDictionary(s => s.Name, s => s.As<V1Secret>().StringData.Keys.ToHashSet());
        var byOperator = new Dictionary<string, HashSet<string>>
        {
            ["crossborder-db-app"] = ["username", "password"],
            ["crossborder-db-ca"] = ["ca.crt"],
        };
        var known = templated.Concat(byOperator).ToDictionary();
        var references = Pods().SelectMany(p => p.Pod.Containers.SelectMany(c => c.Env ?? [])
                .Where(e => e.ValueFrom?.SecretKeyRef is not null).Select(e => (e.ValueFrom.SecretKeyRef.Name, e.ValueFrom.SecretKeyRef.Key))
                .Concat((p.Pod.Volumes ?? []).Where(v => v.Secret is not null).SelectMany(v => v.Secret.Items.Select(i => (v.Secret.SecretName, i.Key)))))
            .ToList();
        Assert.That(references, Is.Not.Empty);
        Assert.Multiple(() =>
        {
            foreach (var (name, key) in references)
                Assert.That(known.TryGetValue(name, out var keys) && keys.Contains(key), Is.True, $"Secret {name} key {key}");
        });
        Assert.That(_manifests.Where(m => m.Kind == "Secret"), Is.Empty, "Secrets are applied apart: `apply -k` must never overwrite them");
    }

    [Test]
    public void Images_ArePinnedToATag()
    {
        Assert.That(Pods().SelectMany(p => p.Pod.Containers).Select(c => c.Image),
            Has.All.Matches<string>(i => i.Contains(':') && !i.EndsWith(":latest", StringComparison.Ordinal)));
    }

    private IEnumerable<(string Owner, V1PodSpec Pod)> Pods() =>
        All<V1Deployment>("Deployment").Select(d => ($"Deployment/{d.Metadata.Name}", d.Spec.Template.Spec))
            .Concat(All<V1Job>("Job").Select(j => ($"Job/{j.Metadata.Name}", j.Spec.Template.Spec)));

    private IEnumerable<(string Owner, V1Container Container)> Containers() =>
        Pods().SelectMany(p => p.Pod.Containers.Concat(p.Pod.InitContainers ?? []).Select(c => (p.Owner, c)));

    private static string? Env(V1Container c, string name) => c.Env?.SingleOrDefault(e => e.Name == name)?.Value;

    private static string? SecretOf(V1Container c, string name) => c.Env?.SingleOrDefault(e => e.Name == name)?.ValueFrom?.SecretKeyRef?.Name;

    private static bool Selects(IDictionary<string, string>? selector, IDictionary<string, string>? labels) =>
        selector is { Count: > 0 } && labels is not null && selector.All(s => labels.TryGetValue(s.Key, out var v) && v == s.Value);
}
