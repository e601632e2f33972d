using Microsoft.Extensions.Options;
using CrossBorder.Node.Deadlines;
using CrossBorder.Node.Exchange;

namespace CrossBorder.Node.Referrals;

public static class ReferralsSetup
{
    /// <summary>
    /// The cases: create, steps, reads, the lifecycle, and what the peer's messages and the deadlines mean for a case
    /// (<see cref="ICaseMessages"/> for the exchange, <see cref="IDeadlineActions"/> for the deadline clock).
    /// </summary>
    public static IServiceCollection AddReferrals(this IServiceCollection services)
    {
        services.AddSingleton<ReferenceNumbers>();
        services.AddScoped<NewReferrals>();
        services.AddScoped<ReferralReader>();
        services.AddScoped<CaseLifecycle>();
        services.AddScoped<IDeadlineActions>(sp => sp.GetRequiredService<CaseLifecycle>());
        services.AddScoped<ICaseMessages, PeerMessages>();
        services.AddOptions<RetentionOptions>().BindConfiguration(RetentionOptions.Section).ValidateOnStart();
        services.AddSingleton<IValidateOptions<RetentionOptions>, RetentionOptionsValidator>();
        services.AddSingleton<Erasure>();
        services.AddHostedService<RetentionJob>();
        return services;
    }
}
