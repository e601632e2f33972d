using Microsoft.Extensions.Options;

namespace CrossBorder.Node.Deadlines;

public static class DeadlinesSetup
{
    /// <summary>The legal clocks (durations by legal basis) and the clock that applies what lapses by rule.</summary>
    public static IServiceCollection AddDeadlines(this IServiceCollection services)
    {
        services.AddOptions<DeadlineOptions>().BindConfiguration(DeadlineOptions.Section).ValidateOnStart();
        services.AddSingleton<IValidateOptions<DeadlineOptions>, DeadlineOptionsValidator>();
        services.AddScoped<LegalClocks>();
        services.AddHostedService<DeadlineClock>();
        return services;
    }
}
