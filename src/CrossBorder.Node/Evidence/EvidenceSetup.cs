using CrossBorder.Node.Http;
using Microsoft.AspNetCore.Authorization;
using Microsoft.Extensions.Options;

namespace CrossBorder.Node.Evidence;

public static class EvidenceSetup
{
    /// <summary>
    /// Either scope grants the pack: auditors (<c>audit.read</c>) and ministry systems (<c>referrals.read</c>). The name lists
    /// the alternatives separated by <c>|</c>, which the contract reads as "any one of" (EndpointConventions).
    /// </summary>
    public const string Policy = Scopes.AuditRead + "|" + Scopes.ReferralsRead;

    public static IServiceCollection AddNodeEvidence(this IServiceCollection services)
    {
        services.AddOptions<EvidenceOptions>().BindConfiguration(EvidenceOptions.Section).ValidateOnStart();
        services.AddSingleton<IValidateOptions<EvidenceOptions>, EvidenceOptionsValidator>();
        services.AddScoped<EvidenceExport>();
        services.ConfigureSwaggerGen(o => o.OperationFilter<EvidenceOperationFilter>());
        services.Configure<AuthorizationOptions>(o => o.AddPolicy(Policy,
            p => p.RequireAssertion(c => c.User.HasScope(Scopes.AuditRead) || c.User.HasScope(Scopes.ReferralsRead))));
        return services;
    }
}
