namespace CrossBorder.Node.Exchange;

public static class ExchangeSetup
{
    /// <summary>The protocol with the peer: the outbox (queue, dispatcher, delivery, sent records) and the inbox.</summary>
    public static IServiceCollection AddExchange(this IServiceCollection services)
    {
        services.AddOptions<ExchangeOptions>().BindConfiguration(ExchangeOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddScoped<Outbox>();
        services.AddScoped<Delivery>();
        services.AddScoped<SentMessages>();
        services.AddHostedService<OutboxDispatcher>();
        services.AddScoped<InboundMessages>();
        return services;
    }
}
