using System.Collections.Frozen;
using System.Security.Cryptography;
using CrossBorder.Node.Http;

namespace CrossBorder.Node.Console;

/// <summary>
/// The console's static files (HTML, CSS, ES modules), embedded in the node so it needs nothing from outside
/// (nodes run in closed networks): no CDN, no external font. Every answer carries the console's security headers.
/// </summary>
public sealed class ConsoleAssets
{
    private const string Prefix = "console/";

    private readonly FrozenDictionary<string, (byte[] Bytes, string Type, string ETag)> _files;

    public ConsoleAssets()
    {
        var assembly = typeof(ConsoleAssets).Assembly;
        var files = new Dictionary<string, (byte[], string, string)>(StringComparer.Ordinal);
        foreach (var name in assembly.GetManifestResourceNames().Where(n => n.StartsWith(Prefix, StringComparison.Ordinal)))
        {
            using var stream = assembly.GetManifestResourceStream(name)!;
            using var copy = new MemoryStream();
            stream.CopyTo(copy);
            var bytes = copy.ToArray();
            files[name[Prefix.Length..]] = (bytes, TypeOf(name), "\"" + Convert.ToHexStringLower(SHA256.HashData(bytes))[..16] + "\"");
        }
        _files = files.ToFrozenDictionary(StringComparer.Ordinal);
    }

    public IEnumerable<string> Names => _files.Keys;

    public byte[] Bytes(string name) => _files[name].Bytes;

    public IResult Serve(HttpContext http, string? path)
    {
        var name = string.IsNullOrEmpty(path) ? "index.html" : path;
        if (!_files.TryGetValue(name, out var file))
            return Problems.NotFound.Result(http, "No such console file.");
        ConsoleSetup.SecurityHeaders(http.Response);
        http.Response.Headers.ETag = file.ETag;
        http.Response.Headers.CacheControl = "no-cache";
        if (http.Request.Headers.IfNoneMatch == file.ETag)
            return Results.StatusCode(StatusCodes.Status304NotModified);
        return Results.Bytes(file.Bytes, file.Type);
    }

    private static string TypeOf(string name) => Path.GetExtension(name) switch
    {
        ".html" => "text/html; charset=utf-8",
        ".css" => "text/css; charset=utf-8",
        ".js" => "text/javascript; charset=utf-8",
        ".svg" => "image/svg+xml",
        _ => "application/octet-stream",
    };
}
