namespace CrossBorder.Deploy.Tests;
public class Probe { [Test] public void T() => Assert.That(typeof(k8s.KubernetesYaml).Assembly.GetName().Version, Is.Not.Null); }
