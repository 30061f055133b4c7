namespace GanService.Worker.Cli;

/// <summary>Locations relative to the repository, found by walking up to <c>GanService.sln</c>.</summary>
internal static class RepositoryPaths
{
    /// <summary>The repository root above the current directory, or null outside a checkout.</summary>
    public static string? FindRoot()
    {
        for (var directory = new DirectoryInfo(Environment.CurrentDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "GanService.sln")))
            {
                return directory.FullName;
            }
        }

        return null;
    }

    /// <summary><c>../shared/datasets/NAME</c> next to the repository, when the repository can be found.</summary>
    public static string? SharedDataset(string name)
    {
        var root = FindRoot();
        return root is null ? null : Path.GetFullPath(Path.Combine(root, "..", "shared", "datasets", name));
    }
}
