namespace CrossBorder.Node.Http;

/// <summary>The two OpenAPI documents an endpoint belongs to (its group name), served by <c>Contract/</c>.</summary>
public static class ApiDocuments
{
    /// <summary>The ministry and audit API: <c>/openapi/v1.json</c>.</summary>
    public const string Ministry = "v1";

    /// <summary>The peer exchange API: <c>/openapi/exchange-v1.json</c>.</summary>
    public const string Exchange = "exchange-v1";
}
