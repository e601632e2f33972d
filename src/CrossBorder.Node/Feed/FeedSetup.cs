namespace CrossBorder.Node.Feed;

public static class FeedSetup
{
    /// <summary>The ministry change feed: its options and the sequencer that numbers events after commit.</summary>
    public static IServiceCollection AddFeed(this IServiceCollection services)
    {
        services.AddOptions<FeedOptions>().BindConfiguration(FeedOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddHostedService<FeedSequencer>();
        return services;
    }
}
