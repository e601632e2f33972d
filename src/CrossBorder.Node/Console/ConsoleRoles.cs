using CrossBorder.Node.Http;

namespace CrossBorder.Node.Console;

/// <summary>A console account's role and the one scope it grants: roles never overlap in power.</summary>
public static class ConsoleRoles
{
    public const string Auditor = "auditor";
    public const string Operator = "operator";

    public static readonly IReadOnlyList<string> All = [Auditor, Operator];

    public static string? ScopeOf(string role) => role switch
    {
        Auditor => Scopes.AuditRead,
        Operator => Scopes.Operations,
        _ => null,
    };
}
