using System.Diagnostics;

namespace GanService.Api.Tests.Infrastructure;

/// <summary>A small tmpfs of its own: a disk that really fills up (ENOSPC), without touching the machine's disks.</summary>
public sealed class Tmpfs : IDisposable
{
    private Tmpfs(string path) => Path = path;

    public string Path { get; }

    /// <summary>Mounts <paramref name="megabytes"/> MB at a fresh folder; throws with mount's own words when it cannot.</summary>
    public static Tmpfs Mount(int megabytes)
    {
        var path = Directory.CreateTempSubdirectory("ganservice-tmpfs-").FullName;
        var (code, said) = Run("mount", "-t", "tmpfs", "-o", $"size={megabytes}m", "tmpfs", path);
        if (code == 0) return new Tmpfs(path);
        Directory.Delete(path);
        throw new InvalidOperationException($"mount -t tmpfs failed ({code}): {said}");
    }

    /// <summary>Null when a tmpfs can be mounted here (root with CAP_SYS_ADMIN), else why not.</summary>
    public static readonly Lazy<string?> WhyNot = new(() =>
    {
        if (!OperatingSystem.IsLinux()) return "needs Linux (mount -t tmpfs)";
        try
        {
            using var probe = Mount(1);
            return null;
        }
        catch (Exception exception)
        {
            return $"cannot mount a tmpfs here (it needs root with CAP_SYS_ADMIN; a container without it refuses): {exception.Message}";
        }
    });

    private static (int Code, string Said) Run(string file, params string[] arguments)
    {
        var start = new ProcessStartInfo(file) { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
        foreach (var argument in arguments) start.ArgumentList.Add(argument);
        try
        {
            using var process = Process.Start(start)!;
            var said = process.StandardError.ReadToEnd() + process.StandardOutput.ReadToEnd();
            process.WaitForExit();
            return (process.ExitCode, said.Trim());
        }
        catch (System.ComponentModel.Win32Exception exception)
        {
            return (-1, exception.Message); // no mount binary
        }
    }

    public void Dispose()
    {
        // Lazy: a file the host still has open must not keep the test from ending.
        Run("umount", "-l", Path);
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
            // Still busy for a moment after a lazy unmount; it is empty and in /tmp.
        }
    }
}

/// <summary>A fact that needs <see cref="Tmpfs"/>: reported as skipped, with the reason, where no tmpfs can be mounted.</summary>
public sealed class TmpfsFactAttribute : FactAttribute
{
    public TmpfsFactAttribute()
    {
        if (Tmpfs.WhyNot.Value is { } reason) Skip = reason;
    }
}
