using CrossBorder.Deploy.Tests.Infrastructure;
using k8s.Models;

namespace CrossBorder.Deploy.Tests;

/// <summary>
/// Issue 13: the manifests as `kubectl kustomize` renders each overlay, validated against Kubernetes' schemas by two
/// kept validators: the KubernetesClient models (strict: an unknown field fails) and Kubernetes' OpenAPI schemas
/// (kubernetes-models: required fields, enums, formats). The ServiceMonitor CRD is checked against the Prometheus
/// Operator's published schema; CloudNativePG's kinds have no schema on npm or NuGet, so CloudNativePgTests checks
/// their required fields by hand.
/// </summary>
[TestFixture("deploy/kubernetes/overlays/fr")]
[TestFixture("deploy/kubernetes/overlays/gb")]
public sealed class KubernetesSchemaTests(string overlay)
{
    /// <summary>Kinds without a published schema here, and the test that checks them instead.</summary>
    private static readonly HashSet<string> CheckedByHand =
    [
        "postgresql.cnpg.io/v1/Cluster",
        "postgresql.cnpg.io/v1/ScheduledBackup",
        "barmancloud.cnpg.io/v1/ObjectStore",
    ];

    [Test]
    public async Task CoreObjects_DeserializedStrictly_MatchTheKubernetesModels()
    {
        var manifests = await Kustomize.RenderAsync(overlay);
        Assert.That(manifests.Where(m => m.IsCore), Is.Not.Empty);
        Assert.Multiple(() =>
        {
            foreach (var manifest in manifests.Where(m => m.IsCore))
                Assert.That(() => manifest.Typed(), Throws.Nothing, $"{manifest.Kind} {manifest.Name}");
        });
    }

    [Test]
    public async Task EveryObject_AgainstItsPublishedSchema_IsValidOrAKindCheckedByHand()
    {
        var manifests = await Kustomize.RenderAsync(overlay);
        var results = await Validators.ValidateManifestsAsync(manifests);
        Assert.Multiple(() =>
        {
            foreach (var (manifest, result) in manifests.Zip(results))
            {
                if (result.Validator is null)
                    Assert.That(CheckedByHand, Does.Contain(manifest.Key()), $"{manifest.Key()} has no schema and no hand check");
                else
                    Assert.That(result.Error, Is.Null, $"{manifest.Kind} {manifest.Name} against {result.Validator}");
            }
        });
        Assert.That(results.Select(r => r.Validator), Has.Some.StartsWith("@kubernetes-models/prometheus-operator/"),
            "the ServiceMonitor was checked against the Prometheus Operator's schema");
    }

    [Test]
    public async Task SecretsTemplate_DeserializedStrictly_IsValidAgainstBothSchemas()
    {
        var secrets = Manifest.Parse(Repository.Read("deploy/kubernetes/secrets.example.yaml"));
        Assert.That(secrets.Select(s => s.Kind), Is.All.EqualTo("Secret").And.Not.Empty);
        var results = await Validators.ValidateManifestsAsync(secrets);
        Assert.Multiple(() =>
        {
            foreach (var (secret, result) in secrets.Zip(results))
            {
                Assert.That(() => secret.As<V1Secret>(), Throws.Nothing, secret.Name);
                Assert.That(result.Error, Is.Null, secret.Name);
            }
        });
    }
}

/// <summary>The validators themselves: each one refuses what it must, so a green run means something.</summary>
public sealed class ValidatorSelfTests
{
    private const string Deployment = """
        apiVersion: apps/v1
        kind: Deployment
        metadata: { name: x }
        spec:
          selector: { matchLabels: { a: b } }
          template:
            metadata: { labels: { a: b } }
            spec:
              containers:
                - name: node
                  image: x
        """;

    [Test]
    public void StrictModel_UnknownField_IsRejected()
    {
        var typo = Manifest.Parse(Deployment.Replace("spec:\n  selector", "spec:\n  replica: 2\n  selector"))[0];
        Assert.Multiple(() =>
        {
            Assert.That(() => Manifest.Parse(Deployment)[0].Typed(), Throws.Nothing);
            Assert.That(() => typo.Typed(), Throws.Exception, "`replica` is not a field of DeploymentSpec");
        });
    }

    [Test]
    public async Task OpenApiSchema_MissingRequiredField_IsRejected()
    {
        var nameless = Manifest.Parse(Deployment.Replace("- name: node\n          image: x", "- image: x"))[0];
        var results = await Validators.ValidateManifestsAsync([Manifest.Parse(Deployment)[0], nameless]);
        Assert.Multiple(() =>
        {
            Assert.That(results[0].Error, Is.Null);
            Assert.That(results[1].Error, Does.Contain("name"), "a container needs a name");
        });
    }

    [Test]
    public async Task ServiceMonitorSchema_MissingEndpoints_IsRejected()
    {
        var monitor = Manifest.Parse("""
            apiVersion: monitoring.coreos.com/v1
            kind: ServiceMonitor
            metadata: { name: x }
            spec:
              selector: { matchLabels: { a: b } }
            """)[0];
        var results = await Validators.ValidateManifestsAsync([monitor]);
        Assert.That(results[0].Error, Does.Contain("endpoints"));
    }
}
