namespace CrossBorder.Cli.Commands;

/// <summary>
/// The options after a command's words: <c>--name value</c> pairs and bare <c>--flag</c>s.
/// A command declares what it accepts by reading it; <see cref="EnsureAllRead"/> then refuses
/// anything left over, so a typo never silently falls back to a default.
/// </summary>
public sealed class CliArguments
{
    private readonly Dictionary<string, string?> _options = new(StringComparer.Ordinal);
    private readonly HashSet<string> _read = new(StringComparer.Ordinal);

    public CliArguments(IReadOnlyList<string> args)
    {
        for (var i = 0; i < args.Count; i++)
        {
            var arg = args[i];
            // One bare word may come first (`evidence verify FILE`); a command that takes none refuses it in EnsureAllRead.
            if (i == 0 && !arg.StartsWith('-'))
            {
                _positional = arg;
                continue;
            }

            if (!arg.StartsWith("--", StringComparison.Ordinal) || arg.Length == 2)
            {
                throw new UsageException($"unexpected argument '{arg}'");
            }

            string name;
            string? value;
            var equals = arg.IndexOf('=', StringComparison.Ordinal);
            if (equals > 0)
            {
                name = arg[2..equals];
                value = arg[(equals + 1)..];
            }
            else
            {
                name = arg[2..];
                value = i + 1 < args.Count && !args[i + 1].StartsWith("--", StringComparison.Ordinal) ? args[++i] : null;
            }

            if (!_options.TryAdd(name, value))
            {
                throw new UsageException($"option --{name} given twice");
            }
        }
    }

    public bool WantsHelp => _options.ContainsKey("help");

    private readonly string? _positional;
    private bool _positionalRead;

    /// <summary>The bare word before the options, if any (reading it accepts it).</summary>
    public string? Positional
    {
        get
        {
            _positionalRead = true;
            return _positional;
        }
    }

    public string? GetString(string name)
    {
        _read.Add(name);
        if (!_options.TryGetValue(name, out var value))
        {
            return null;
        }

        return value ?? throw new UsageException($"option --{name} needs a value");
    }

    public string GetRequiredString(string name) =>
        GetString(name) ?? throw new UsageException($"option --{name} is required");

    public int GetPort(string name, int defaultValue)
    {
        var text = GetString(name);
        if (text is null)
        {
            return defaultValue;
        }

        return int.TryParse(text, out var port) && port is > 0 and < 65536
            ? port
            : throw new UsageException($"option --{name} must be a TCP port (1-65535), not '{text}'");
    }

    public int GetPositiveInt(string name, int defaultValue)
    {
        var text = GetString(name);
        if (text is null)
        {
            return defaultValue;
        }

        return int.TryParse(text, out var value) && value > 0
            ? value
            : throw new UsageException($"option --{name} must be a positive whole number, not '{text}'");
    }

    public bool GetFlag(string name)
    {
        _read.Add(name);
        if (!_options.TryGetValue(name, out var value))
        {
            return false;
        }

        return value is null ? true : throw new UsageException($"option --{name} takes no value");
    }

    public void EnsureAllRead()
    {
        var unknown = _options.Keys.FirstOrDefault(name => !_read.Contains(name));
        if (unknown is not null)
        {
            throw new UsageException($"unknown option --{unknown}");
        }

        if (_positional is not null && !_positionalRead)
        {
            throw new UsageException($"unexpected argument '{_positional}'");
        }
    }
}
