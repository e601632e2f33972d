using System.Net.Http.Headers;

namespace CrossBorder.Cli.Bench;

/// <summary>
/// A create endpoint under load: the same body bytes every time, a fresh <c>Idempotency-Key</c> per
/// request, and a bearer token for the node (the baseline ignores both headers).
/// </summary>
public sealed class CreateTarget(string system, Uri url, byte[] body)
{
    public string System => system;

    /// <summary>Set (and refreshed before each phase) for the node; null for the baseline.</summary>
    public string? BearerToken { get; set; }

    public HttpRequestMessage NewRequest()
    {
        var content = new ByteArrayContent(body);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = content };
        request.Headers.TryAddWithoutValidation("Idempotency-Key", Guid.NewGuid().ToString("N"));
        if (BearerToken is not null)
        {
            request.Headers.TryAddWithoutValidation("Authorization", "Bearer " + BearerToken);
        }

        return request;
    }
}
