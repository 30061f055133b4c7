using System.Globalization;

namespace GanService.Worker.Cli;

/// <summary>The <c>--name [value]</c> options after the verb, checked against the command's <see cref="OptionSpec"/>s.</summary>
internal sealed class CommandArguments
{
    private readonly Dictionary<string, string?> given;

    private CommandArguments(Dictionary<string, string?> given) => this.given = given;

    public static CommandArguments Parse(IReadOnlyList<string> tokens, IReadOnlyList<OptionSpec> options)
    {
        var given = new Dictionary<string, string?>(StringComparer.Ordinal);
        for (var i = 0; i < tokens.Count; i++)
        {
            var token = tokens[i];
            if (!token.StartsWith("--", StringComparison.Ordinal) || token.Length == 2)
            {
                throw new UsageException($"unexpected argument '{token}'");
            }

            var name = token[2..];
            var spec = options.FirstOrDefault(o => o.Name == name)
                ?? throw new UsageException($"unknown option '{token}'");
            if (given.ContainsKey(name))
            {
                throw new UsageException($"option '{token}' given twice");
            }

            if (spec.IsSwitch)
            {
                given[name] = null;
                continue;
            }

            if (i + 1 >= tokens.Count || tokens[i + 1].StartsWith("--", StringComparison.Ordinal))
            {
                throw new UsageException($"option '{token}' needs a value ({spec.ValueName})");
            }

            given[name] = tokens[++i];
        }

        return new CommandArguments(given);
    }

    public bool Switch(string name) => given.ContainsKey(name);

    public string? Text(string name) => given.GetValueOrDefault(name);

    public string RequiredText(string name) => Text(name) ?? throw new UsageException($"option '--{name}' is required");

    /// <summary>A JSON object option (such as <c>--config</c>); empty when not given.</summary>
    public System.Text.Json.Nodes.JsonObject JsonObject(string name)
    {
        try
        {
            return Text(name) is { } json
                ? System.Text.Json.Nodes.JsonNode.Parse(json) as System.Text.Json.Nodes.JsonObject ?? throw new UsageException($"--{name} must be a JSON object")
                : [];
        }
        catch (System.Text.Json.JsonException e)
        {
            throw new UsageException($"--{name} is not valid JSON: {e.Message}");
        }
    }

    public int Integer(string name, int fallback, int min, int max)
    {
        var text = Text(name);
        if (text is null)
        {
            return fallback;
        }

        if (!int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) || value < min || value > max)
        {
            throw new UsageException($"--{name} must be a whole number from {min} to {max}, got '{text}'");
        }

        return value;
    }

    /// <summary>One of <paramref name="choices"/> (case-insensitive), as its enum value.</summary>
    public TEnum Choice<TEnum>(string name, TEnum fallback)
        where TEnum : struct, Enum
    {
        var text = Text(name);
        if (text is null)
        {
            return fallback;
        }

        if (!Enum.TryParse<TEnum>(text, ignoreCase: true, out var value) || !Enum.IsDefined(value) || int.TryParse(text, out _))
        {
            var names = string.Join("|", Enum.GetNames<TEnum>().Select(n => n.ToLowerInvariant()));
            throw new UsageException($"--{name} must be {names}, got '{text}'");
        }

        return value;
    }

    /// <summary>An existing directory, from the option or else <paramref name="fallback"/>.</summary>
    public string ExistingDirectory(string name) =>
        ExistingDirectory(name, null, $"option '--{name}' is required");

    /// <summary>
    /// An existing directory, from the option or else <paramref name="fallback"/>; <paramref name="missing"/>
    /// explains the failure when there is neither.
    /// </summary>
    public string ExistingDirectory(string name, string? fallback, string missing)
    {
        var path = Text(name) ?? fallback ?? throw new UsageException(missing);
        if (!Directory.Exists(path))
        {
            throw new UsageException($"--{name}: directory '{path}' does not exist");
        }

        return Path.GetFullPath(path);
    }
}
