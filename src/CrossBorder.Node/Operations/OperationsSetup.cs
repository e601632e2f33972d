namespace CrossBorder.Node.Operations;

public static class OperationsSetup
{
    /// <summary>The operator's API (issue 15): message states, dead letters and their re-drive, peers, keys, throughput.</summary>
    public static IServiceCollection AddNodeOperations(this IServiceCollection services)
    {
        services.AddScoped<MessageRedrive>();
        services.AddScoped<OperationsQueries>();
        return services;
    }
}
