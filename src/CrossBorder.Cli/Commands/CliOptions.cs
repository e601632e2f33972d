using System.CommandLine;
using System.CommandLine.Parsing;
using CrossBorder.Cli.Local;

namespace CrossBorder.Cli.Commands;

/// <summary>
/// Option shapes several commands share, so the same option has the same name, value and help everywhere.
/// Each call makes a new option: a command owns its options.
/// </summary>
public static class CliOptions
{
    /// <summary>The environment variable <see cref="Connection"/> falls back to.</summary>
    public const string ConnectionVariable = "CROSSBORDER_CONNECTION";

    /// <summary><c>--connection</c>: a node's PostgreSQL connection string (commands that work on a node's database).</summary>
    public static Option<string?> Connection() => new("--connection")
    {
        Description = $"the node's PostgreSQL connection string (default: ${ConnectionVariable})",
        HelpName = "connection string",
    };

    /// <summary>Adds <paramref name="connection"/> to <paramref name="command"/>, required unless the environment gives it.</summary>
    public static Option<string?> AddConnection(Command command, Option<string?> connection)
    {
        command.Add(connection);
        command.Validators.Add(result =>
        {
            if (result.GetValue(connection) is null && Environment.GetEnvironmentVariable(ConnectionVariable) is null)
                result.AddError($"--connection (or {ConnectionVariable}) is required");
        });
        return connection;
    }

    public static string ConnectionOf(ParseResult parse, Option<string?> connection) =>
        parse.GetValue(connection) ?? Environment.GetEnvironmentVariable(ConnectionVariable)!;

    public static Option<string?> Root() => new("--root")
    {
        Description = $"repository root (default: the nearest folder upwards holding {RepositoryRoot.SolutionFileName})",
        HelpName = "dir",
    };

    public static Option<string?> LocalDir() => new("--local-dir")
    {
        Description = "folder of the local pair: database, keys, secrets, logs, state (default: <root>/.local)",
        HelpName = "dir",
    };

    public static Option<int> Port(string name, int defaultValue, string description)
    {
        var option = new Option<int>(name) { Description = description, HelpName = "port", DefaultValueFactory = _ => defaultValue };
        option.Validators.Add(result =>
        {
            if (result.GetValueOrDefault<int>() is < 1 or > 65535)
                result.AddError($"{name} must be a TCP port (1-65535)");
        });
        return option;
    }

    public static Option<int> PositiveInt(string name, int defaultValue, string description, string helpName = "n")
    {
        var option = new Option<int>(name) { Description = description, HelpName = helpName, DefaultValueFactory = _ => defaultValue };
        option.Validators.Add(result =>
        {
            if (result.GetValueOrDefault<int>() < 1)
                result.AddError($"{name} must be a positive whole number");
        });
        return option;
    }

    /// <summary>Refuses the command line when two of the port options name the same port (given or by default).</summary>
    public static void RequireDistinct(Command command, params Option<int>[] ports)
    {
        command.Validators.Add(result =>
        {
            var values = ports.Select(p => ValueOf(result, p)).OfType<int>().ToList();
            if (values.Distinct().Count() != values.Count)
                result.AddError($"{string.Join(", ", ports.Select(p => p.Name))} must all be different ports");
        });
    }

    /// <summary>
    /// An option's value inside a command validator, which runs before defaults are applied: the given value, else the
    /// default; null when the value given cannot be read (the option reports that error itself).
    /// </summary>
    public static T? ValueOf<T>(CommandResult result, Option<T> option) where T : struct
    {
        if (result.GetResult(option) is not { Implicit: false } given)
            return option.HasDefaultValue ? (T?)option.GetDefaultValue() : null;
        try
        {
            return given.GetValueOrDefault<T>();
        }
        catch (InvalidOperationException)
        {
            return null;
        }
    }

    /// <summary>The repository root given with <c>--root</c>, or found upwards from the current folder.</summary>
    public static string ResolveRoot(ParseResult parse, Option<string?> root) =>
        parse.GetValue(root) is { } given ? Path.GetFullPath(given) : RepositoryRoot.Find(Directory.GetCurrentDirectory());

    /// <summary>The local pair's folder given with <c>--local-dir</c>, or <c>&lt;root&gt;/.local</c>.</summary>
    public static string ResolveLocalDir(ParseResult parse, Option<string?> localDir, Option<string?> root) =>
        parse.GetValue(localDir) is { } given ? Path.GetFullPath(given) : Path.Combine(ResolveRoot(parse, root), ".local");
}
