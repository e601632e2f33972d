using CrossBorder.Node.Exchange;
using CrossBorder.Node.Referrals;

namespace CrossBorder.Node.Attachments;

public static class AttachmentsSetup
{
    /// <summary>
    /// A case's documents: the ministry API, the chunk store, the transfer to the peer before the message that names the
    /// document (<see cref="IMessageContent"/> for the exchange) and what that message means on arrival
    /// (<see cref="IDocumentMessages"/> for the cases); the sweep of a peer's abandoned transfers.
    /// </summary>
    public static IServiceCollection AddAttachments(this IServiceCollection services)
    {
        services.AddOptions<AttachmentOptions>().BindConfiguration(AttachmentOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddScoped<AttachmentChunks>();
        services.AddScoped<IMessageContent, AttachmentTransfer>();
        services.AddScoped<IDocumentMessages, PeerAttachments>();
        services.AddHostedService<AbandonedTransfers>();
        services.ConfigureSwaggerGen(o => o.OperationFilter<AttachmentOperationFilter>());
        return services;
    }

    public static IEndpointRouteBuilder MapAttachments(this IEndpointRouteBuilder app) =>
        app.MapAttachmentsApi().MapAttachmentExchange();
}
