namespace CrossBorder.Node.Http;

/// <summary>
/// Reads a request body of one media type up to a bound, so an oversized request costs at most that much memory and
/// every endpoint answers the same problems: 415 for another media type, 413 beyond the bound.
/// </summary>
public static class RequestBody
{
    /// <summary>The body, or the problem to answer (<see cref="ReadResult.Problem"/>) and what it was (<see cref="ReadResult.Refusal"/>).</summary>
    public static async Task<ReadResult> ReadAsync(HttpRequest request, string mediaType, int maxBytes, string what, CancellationToken ct)
    {
        if (!HasMediaType(request, mediaType))
            return ReadResult.Refused(Problems.UnsupportedMediaType, $"Send {what} as {mediaType}.");
        if (request.ContentLength > maxBytes)
            return TooLarge(what, maxBytes);
        using var buffer = new MemoryStream();
        var chunk = new byte[16 * 1024];
        int read;
        while ((read = await request.Body.ReadAsync(chunk, ct)) > 0)
        {
            if (buffer.Length + read > maxBytes)
                return TooLarge(what, maxBytes);
            buffer.Write(chunk, 0, read);
        }
        return new ReadResult(buffer.ToArray(), null, null);
    }

    private static ReadResult TooLarge(string what, int maxBytes) =>
        ReadResult.Refused(Problems.PayloadTooLarge, $"{char.ToUpperInvariant(what[0])}{what[1..]} is at most {maxBytes} bytes.");

    public static bool HasMediaType(HttpRequest request, string mediaType) =>
        Microsoft.Net.Http.Headers.MediaTypeHeaderValue.TryParse(request.ContentType, out var parsed)
        && string.Equals(parsed.MediaType.Value, mediaType, StringComparison.OrdinalIgnoreCase);
}

/// <summary>A bounded body, or why it was refused.</summary>
public sealed record ReadResult(byte[]? Body, ProblemKind? Refusal, string? Detail)
{
    public static ReadResult Refused(ProblemKind problem, string detail) => new(null, problem, detail);

    public IResult Problem(HttpContext http) => Refusal!.Result(http, Detail);
}
