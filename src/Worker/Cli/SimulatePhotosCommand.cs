using System.Globalization;
using System.Text;
using GanService.Domain.Imaging;

namespace GanService.Worker.Cli;

/// <summary>
/// <c>simulate-photos</c>: writes our simulated phone photos of a folder of clean drawings, same stems, so the sets
/// <c>bench-cleanup</c> measures can be looked at and uploaded.
/// </summary>
internal sealed class SimulatePhotosCommand : ICommand
{
    public enum Kind
    {
        /// <summary>The sheet tilted and in perspective on a table.</summary>
        Table,

        /// <summary>The same damage without tilt, perspective and table: pixel-aligned with the clean drawing.</summary>
        Flat,
    }

    public enum Format
    {
        /// <summary>The simulated phone's own JPEG bytes, in colour.</summary>
        Jpeg,

        /// <summary>That JPEG decoded in colour and saved losslessly, for viewers that show PNG only.</summary>
        Png,
    }

    public string Name => "simulate-photos";

    public string Summary => "write simulated phone photos of clean drawings (same stems), as bench-cleanup measures them";

    public IReadOnlyList<OptionSpec> Options { get; } =
    [
        OptionSpec.Value("from", "DIR", "folder of clean drawings, black on white (required)"),
        OptionSpec.Value("to", "DIR", "folder to write the photos to, created if missing (required)"),
        OptionSpec.Value("seed", "N", "draws the damage of every image together with its stem (default 1, as bench-cleanup)"),
        OptionSpec.Value("kind", "table|flat", "on a table (default) or pixel-aligned with the drawing"),
        OptionSpec.Value("format", "jpeg|png", "the phone's JPEG (default) or it decoded to PNG"),
    ];

    public int Run(CommandArguments arguments, TextWriter output, TextWriter error)
    {
        var from = arguments.ExistingDirectory("from");
        var to = Path.GetFullPath(arguments.RequiredText("to"));
        var seed = arguments.Integer("seed", 1, 0, int.MaxValue);
        var kind = arguments.Choice("kind", Kind.Table);
        var format = arguments.Choice("format", Format.Jpeg);

        var simulated = SimulatedFolder.Simulate(from, seed);
        Directory.CreateDirectory(to);
        var corners = new StringBuilder("stem,top_left_x,top_left_y,top_right_x,top_right_y,bottom_right_x,bottom_right_y,bottom_left_x,bottom_left_y\n");
        foreach (var (stem, _, photo) in simulated)
        {
            var jpeg = kind == Kind.Flat ? photo.FlatJpeg : photo.OnTableJpeg;
            var (bytes, extension) = format == Format.Png ? (PixelImage.Decode(jpeg, 3).EncodePng(), ".png") : (jpeg, ".jpg");
            File.WriteAllBytes(Path.Combine(to, stem + extension), bytes);
            corners.Append(stem);
            foreach (var (x, y) in photo.Corners)
            {
                corners.Append(CultureInfo.InvariantCulture, $",{x:0.##},{y:0.##}");
            }

            corners.Append('\n');
        }

        // The known outline of each sheet, for checking sheet detection; a flat photo's sheet is the whole image.
        if (kind == Kind.Table)
        {
            File.WriteAllText(Path.Combine(to, "corners.csv"), corners.ToString());
        }

        output.WriteLine($"simulated {simulated.Count} {kind.ToString().ToLowerInvariant()} photos of {from} (seed {seed}) into {to}");
        JsonSummary.Write(output, new { images = simulated.Count, seed, kind = kind.ToString().ToLowerInvariant(), outDir = to });
        return 0;
    }
}
