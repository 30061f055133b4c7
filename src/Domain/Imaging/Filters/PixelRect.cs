namespace GanService.Domain.Imaging.Filters;

/// <summary>An axis-aligned pixel rectangle; may reach beyond the image it refers to (that part is paper).</summary>
internal readonly record struct PixelRect(int X, int Y, int Width, int Height)
{
    public int Right => X + Width;

    public int Bottom => Y + Height;

    public static PixelRect Of(PixelImage image) => new(0, 0, image.Width, image.Height);
}
