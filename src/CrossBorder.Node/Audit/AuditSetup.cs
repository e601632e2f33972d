using CrossBorder.Node.Http;
using Microsoft.AspNetCore.Authorization;

namespace CrossBorder.Node.Audit;

public static class AuditSetup
{
    /// <summary>The audit log's services: the writer, the tree reader, the sequencer/checkpointer and the witness.</summary>
    public static IServiceCollection AddNodeAudit(this IServiceCollection services)
    {
        services.AddOptions<AuditOptions>().BindConfiguration(AuditOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddScoped<AuditLog>();
        services.AddScoped<ISecurityEvents>(sp => sp.GetRequiredService<AuditLog>());
        services.AddScoped<AuditWitness>();
        services.AddSingleton<AuditTree>();
        services.AddSingleton<AuditWitnessClient>();
        services.AddScoped<IAuthorizationMiddlewareResultHandler, AuditForbiddenHandler>();
        services.AddHostedService<AuditSequencer>();
        return services;
    }
}
