using System.CommandLine;
using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Nodes;
using CrossBorder.Cli.Keys;
using Npgsql;

namespace CrossBorder.Cli.Commands;

/// <summary>
/// <c>crossborder keys kek-add</c>: adds a new key-encryption key to a node's configuration file (and with
/// <c>--activate</c>, makes it the one that wraps new data keys). Rotation without downtime is two rollouts: add the
/// key to every replica first (each can then unwrap what another wraps), then activate it; the node's re-wrapping job
/// moves every old data key to it, and <c>keys kek-status</c> says when the old key is no longer used.
/// </summary>
public sealed class KeysKekAddCommand : CliCommand
{
    private readonly Option<string> _config = new("--config") { Description = "the node's JSON configuration file (Node:KeyEncryptionKeys is edited)", HelpName = "file", Required = true };
    private readonly Option<string?> _id = new("--id") { Description = "the new key's id (default: k<n+1>); 1-32 letters, digits, - or _", HelpName = "id" };
    private readonly Option<bool> _activate = new("--activate") { Description = "also make it Node:CurrentKeyEncryptionKey (second rollout), or activate an existing --id" };

    public KeysKekAddCommand()
        : base("keys kek-add", "add a key-encryption key to a node's configuration (rotation, step 1), or --activate it (step 2)", """
            Restart every replica after each step. The key is written into the file (mode 600); keep the file secret.
            """)
    {
        foreach (var option in new Option[] { _config, _id, _activate })
            Add(option);
        _id.Validators.Add(result =>
        {
            if (result.GetValueOrDefault<string?>() is { } id && (id.Length is 0 or > 32 || !id.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_')))
                result.AddError("--id: 1-32 letters, digits, - or _");
        });
    }

    protected override async Task<int> RunAsync(ParseResult parse, CancellationToken ct)
    {
        var config = await NodeConfigFile.LoadAsync(parse.GetValue(_config)!, ct);
        var (file, node) = (config.Path, config.Node);
        var keks = node["KeyEncryptionKeys"] as JsonObject ?? (JsonObject)(node["KeyEncryptionKeys"] = new JsonObject());
        var existing = keks.Select(k => k.Key).Append(node["KeyEncryptionKey"] is null ? null : "k0").OfType<string>().ToHashSet();
        var id = parse.GetValue(_id);
        if (id is not null && existing.Contains(id))
        {
            if (!parse.GetValue(_activate))
            {
                await Error.WriteLineAsync($"{file} already has a key-encryption key '{id}' (add --activate to make it current)");
                return ExitCodes.Failure;
            }
        }
        else
        {
            id ??= Enumerable.Range(1, 1000).Select(n => $"k{n}").First(k => !existing.Contains(k));
            keks[id] = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));
            await Output.WriteLineAsync($"added key-encryption key {id}");
        }
        if (parse.GetValue(_activate))
        {
            node["CurrentKeyEncryptionKey"] = id;
            await Output.WriteLineAsync($"{id} is now Node:CurrentKeyEncryptionKey: restart every replica; old data keys are re-wrapped in the background");
        }
        else
        {
            await Output.WriteLineAsync($"restart every replica, then run 'crossborder keys kek-add --config {file} --id {id} --activate'");
        }
        config.Save();
        return ExitCodes.Ok;
    }
}

/// <summary><c>crossborder keys kek-status</c>: how many live data keys each key-encryption key wraps.</summary>
public sealed class KeysKekStatusCommand : CliCommand
{
    private readonly Option<string?> _connection = CliOptions.Connection();

    public KeysKekStatusCommand()
        : base("keys kek-status", "which key-encryption keys still wrap data keys (an unused one can be removed)")
    {
        CliOptions.AddConnection(this, _connection);
    }

    protected override async Task<int> RunAsync(ParseResult parse, CancellationToken ct)
    {
        await using var data = NpgsqlDataSource.Create(CliOptions.ConnectionOf(parse, _connection));
        await using var cmd = data.CreateCommand("SELECT kek_id, count(*) FROM referrals WHERE erased_at IS NULL GROUP BY kek_id ORDER BY kek_id");
        await using var rows = await cmd.ExecuteReaderAsync(ct);
        var any = false;
        while (await rows.ReadAsync(ct))
        {
            any = true;
            await Output.WriteLineAsync($"{rows.GetString(0),-32} {rows.GetInt64(1)} data key(s)");
        }
        if (!any)
            await Output.WriteLineAsync("no data keys");
        await Output.WriteLineAsync("A key-encryption key not listed here wraps nothing and can be removed from the configuration.");
        return ExitCodes.Ok;
    }
}
