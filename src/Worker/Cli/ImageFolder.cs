namespace GanService.Worker.Cli;

/// <summary>The images directly inside a folder, in name order.</summary>
internal static class ImageFolder
{
    private static readonly HashSet<string> Extensions = new(StringComparer.OrdinalIgnoreCase) { ".png", ".jpg", ".jpeg", ".webp" };

    public static IReadOnlyList<string> List(string directory) =>
        Directory.EnumerateFiles(directory)
            .Where(path => Extensions.Contains(Path.GetExtension(path)))
            .Order(StringComparer.Ordinal)
            .ToList();

    /// <summary>File stem → path, for pairing a photo with its clean original.</summary>
    public static Dictionary<string, string> ByStem(string directory) =>
        List(directory).ToDictionary(path => Path.GetFileNameWithoutExtension(path), StringComparer.Ordinal);
}
