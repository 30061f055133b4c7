using System.Diagnostics;
using System.Text.Json;
using GanService.Domain.Gan;

namespace GanService.Worker.Cli;

/// <summary>
/// Times bench/pytorch_dcgan.py (the same DCGAN step in PyTorch), or bench/pytorch_fewshot.py for the fastgan family
/// (FastGAN's step on the same network), in the same run as our bench, where Debian's
/// python3-torch is installed. OpenBLAS gets its AVX-512 kernel (OPENBLAS_CORETYPE=SkylakeX), which is what a fair
/// PyTorch-on-CPU baseline uses here; without libopenblas0-pthread, Debian's torch falls back to reference BLAS.
/// </summary>
internal sealed record PyTorchBaseline(string Version, double ImagesPerSecond, double MatmulGflops)
{
    private const string Python = "/usr/bin/python3";

    public static PyTorchBaseline? TryRun(GanConfig config, int iterations, int threads, TextWriter error)
    {
        var name = config.Family == GanFamily.FastGan ? "pytorch_fewshot.py" : "pytorch_dcgan.py";
        var script = RepositoryPaths.FindRoot() is { } root ? Path.Combine(root, "bench", name) : null;
        if (script is null || !File.Exists(script) || !File.Exists(Python))
        {
            error.WriteLine($"PyTorch baseline skipped: bench/{name} or /usr/bin/python3 not found.");
            return null;
        }
        var start = new ProcessStartInfo(Python)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            ArgumentList =
            {
                script, "--width", config.GeneratorChannels.ToString(), "--batch", config.BatchSize.ToString(),
                "--resolution", config.Resolution.ToString(), "--channels", config.Channels.ToString(),
                "--latent", config.LatentDim.ToString(), "--iterations", iterations.ToString(), "--threads", threads.ToString(),
            },
        };
        start.Environment["OPENBLAS_CORETYPE"] = "SkylakeX";
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEnd();
        var stderr = process.StandardError.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0)
        {
            error.WriteLine($"PyTorch baseline skipped (install python3-torch and libopenblas0-pthread): {stderr.Trim().Split('\n').LastOrDefault()}");
            return null;
        }
        var last = stdout.TrimEnd().Split('\n')[^1];
        using var json = JsonDocument.Parse(last);
        var figures = json.RootElement;
        return new PyTorchBaseline(figures.GetProperty("torch").GetString() ?? "?",
            figures.GetProperty("imagesPerSecond").GetDouble(), figures.GetProperty("matmulGflops").GetDouble());
    }
}
