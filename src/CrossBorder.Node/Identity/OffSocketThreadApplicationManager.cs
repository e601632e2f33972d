using CrossBorder.Node.Workers;
using Microsoft.Extensions.Options;
using OpenIddict.Abstractions;
using OpenIddict.Core;

namespace CrossBorder.Node.Identity;

/// <summary>
/// OpenIddict's application manager, with a client secret's hash (PBKDF2: milliseconds of CPU) computed on a pool
/// thread. It runs right after the token request's awaited read of the client, which with socket completions inline
/// (Hosting/SocketCompletions) continues on a socket event thread: that thread would deliver no other socket's
/// completion while it hashed (<see cref="EventThreads"/>, as for console passwords).
/// </summary>
public sealed class OffSocketThreadApplicationManager<TApplication>(
    IOpenIddictApplicationCache<TApplication> cache,
    ILogger<OpenIddictApplicationManager<TApplication>> logger,
    IOptionsMonitor<OpenIddictCoreOptions> options,
    IOpenIddictApplicationStore<TApplication> store)
    : OpenIddictApplicationManager<TApplication>(cache, logger, options, store) where TApplication : class
{
    protected override async ValueTask<bool> ValidateClientSecretAsync(string secret, string comparand,
        CancellationToken cancellationToken = default) =>
        await EventThreads.OffloadAsync(() => base.ValidateClientSecretAsync(secret, comparand, cancellationToken).AsTask(),
            cancellationToken);

    protected override async ValueTask<string> ObfuscateClientSecretAsync(string secret, CancellationToken cancellationToken = default) =>
        await EventThreads.OffloadAsync(() => base.ObfuscateClientSecretAsync(secret, cancellationToken).AsTask(),
            cancellationToken);
}
