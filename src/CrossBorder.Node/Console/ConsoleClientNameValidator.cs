using CrossBorder.Node.Configuration;
using Microsoft.Extensions.Options;

namespace CrossBorder.Node.Console;

/// <summary>The console's client id is the node's own: a configured client of that name would silently replace it.</summary>
public sealed class ConsoleClientNameValidator : IValidateOptions<NodeOptions>
{
    public ValidateOptionsResult Validate(string? name, NodeOptions options)
    {
        var taken = options.Clients.Select((c, i) => (c, i)).Where(x => x.c.ClientId == ConsoleClient.ClientId)
            .Select(x => $"Node:Clients:{x.i}:ClientId: '{ConsoleClient.ClientId}' is reserved for the node's browser console.").ToList();
        return taken.Count > 0 ? ValidateOptionsResult.Fail(taken) : ValidateOptionsResult.Success;
    }
}
