namespace GanService.Worker.Cli;

/// <summary>A <c>--name</c> option: a switch, or one taking a value shown as <see cref="ValueName"/>.</summary>
internal sealed record OptionSpec(string Name, string Help, string? ValueName = null)
{
    public bool IsSwitch => ValueName is null;

    public static OptionSpec Switch(string name, string help) => new(name, help);

    public static OptionSpec Value(string name, string valueName, string help) => new(name, help, valueName);

    public override string ToString() => IsSwitch ? $"--{Name}" : $"--{Name} {ValueName}";
}
