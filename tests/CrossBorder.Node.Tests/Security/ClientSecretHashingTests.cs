using CrossBorder.Node.Identity;
using CrossBorder.Node.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using OpenIddict.Abstractions;

namespace CrossBorder.Node.Tests.Security;

/// <summary>
/// The token server checks client secrets through <see cref="OffSocketThreadApplicationManager{TApplication}"/>, which
/// hashes on a pool thread (with socket completions inline, the token request's continuation may be on a socket event
/// thread), and still tells a right secret from a wrong one.
/// </summary>
public sealed class ClientSecretHashingTests
{
    [Test]
    public async Task ClientSecrets_CheckedByTheManagerThatHashesOffTheSocketThreads_RightAcceptedWrongRefused()
    {
        await using var pair = await NodePair.StartAsync();
        var node = pair.Fr;
        await using var scope = node.Services.CreateAsyncScope();
        var manager = scope.ServiceProvider.GetRequiredService<IOpenIddictApplicationManager>();
        Assert.That(manager.GetType().GetGenericTypeDefinition(), Is.EqualTo(typeof(OffSocketThreadApplicationManager<>)));

        var application = await manager.FindByClientIdAsync(node.MinistryClientId);
        Assert.That(application, Is.Not.Null);
        Assert.That(await manager.ValidateClientSecretAsync(application!, node.MinistrySecret), Is.True, "the right secret");
        Assert.That(await manager.ValidateClientSecretAsync(application!, node.MinistrySecret + "x"), Is.False, "a wrong one");
    }
}
