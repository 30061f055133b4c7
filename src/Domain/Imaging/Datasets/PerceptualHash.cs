namespace GanService.Domain.Imaging.Datasets;

/// <summary>
/// A 64-bit perceptual hash (pHash) of a cleaned image: the signs of the lowest 8×8 DCT frequencies (the DC term left
/// out) of its 32×32 grey version against their median. Two photos of one drawing, cleaned, differ in few bits; two
/// drawings in many. Computed on the cleaned image so that paper tint, shadows and framing do not count.
/// </summary>
public static class PerceptualHash
{
    private const int Side = 32;
    private const int Low = 8;
    private static readonly double[,] Cosines = BuildCosines();

    public static ulong Of(PixelImage cleaned)
    {
        ArgumentNullException.ThrowIfNull(cleaned);
        var small = Filters.Resampler.Resize(cleaned, Side, Side);
        var grey = Luminance.Plane(small);
        // Separable DCT-II, only the 8 lowest frequencies in each direction: (8 x 32) · (32 x 32) · (32 x 8).
        var rows = new double[Low, Side];
        for (var u = 0; u < Low; u++)
            for (var x = 0; x < Side; x++)
            {
                double sum = 0;
                for (var y = 0; y < Side; y++) sum += Cosines[u, y] * grey[y * Side + x];
                rows[u, x] = sum;
            }
        var coefficients = new double[Low * Low];
        for (var u = 0; u < Low; u++)
            for (var v = 0; v < Low; v++)
            {
                double sum = 0;
                for (var x = 0; x < Side; x++) sum += rows[u, x] * Cosines[v, x];
                coefficients[u * Low + v] = sum;
            }
        var median = coefficients.Skip(1).Order().ElementAt((Low * Low - 1) / 2);
        ulong hash = 0;
        for (var i = 1; i < coefficients.Length; i++)
            if (coefficients[i] > median) hash |= 1UL << i;
        return hash;
    }

    /// <summary>
    /// The clean-up before drawings are hashed or compared: the defaults, cropped around the drawing every time, so a
    /// drawing photographed on a table (always cropped) and the same drawing scanned (whose frame the defaults keep)
    /// line up.
    /// </summary>
    public static PreprocessOptions ComparableCleanUp { get; } = PreprocessOptions.Default with { CropToDrawing = true };

    /// <summary>The hash of a stored image (a PNG as ingest wrote it) after <see cref="ComparableCleanUp"/>.</summary>
    public static ulong OfStored(byte[] png) =>
        Of(ImagePreprocessor.Prepare(PixelImage.Decode(png, 1), 64, ComparableCleanUp));

    public static int Distance(ulong a, ulong b) => System.Numerics.BitOperations.PopCount(a ^ b);

    /// <summary>The hash as 16 hex digits, as stored and sent.</summary>
    public static string Format(ulong hash) => hash.ToString("x16", System.Globalization.CultureInfo.InvariantCulture);

    public static ulong Parse(string hex) => ulong.Parse(hex, System.Globalization.NumberStyles.HexNumber, System.Globalization.CultureInfo.InvariantCulture);

    private static double[,] BuildCosines()
    {
        var table = new double[Low, Side];
        for (var u = 0; u < Low; u++)
            for (var x = 0; x < Side; x++)
                table[u, x] = Math.Cos((2 * x + 1) * u * Math.PI / (2 * Side));
        return table;
    }
}

/// <summary>
/// Groups of near-duplicates (the same drawing photographed twice): images whose perceptual hashes are within
/// <see cref="MaxDistance"/> bits, joined transitively. Each group lists its members in upload order; the first is
/// the one to keep, the rest are the extras a user may exclude.
/// </summary>
public static class NearDuplicates
{
    /// <summary>
    /// Bits two photos of one drawing may differ in. Measured on 120 drawings of things200 (a tilted and a flat photo
    /// of each, cleaned): 70% of the pairs within 8 bits, and 5 of 14,280 pairs of different drawings.
    /// </summary>
    public const int MaxDistance = 8;

    /// <summary>The groups among a dataset's hashed images (those stored before hashes were kept are left out).</summary>
    public static IReadOnlyList<IReadOnlyList<Data.DatasetImage>> OfImages(IEnumerable<Data.DatasetImage> images) =>
        Group([.. images.Where(i => i.PerceptualHash is not null).OrderBy(i => i.Ordinal)], i => PerceptualHash.Parse(i.PerceptualHash!));

    public static IReadOnlyList<IReadOnlyList<T>> Group<T>(IReadOnlyList<T> items, Func<T, ulong> hash, int maxDistance = MaxDistance)
    {
        ArgumentNullException.ThrowIfNull(items);
        var parent = Enumerable.Range(0, items.Count).ToArray();
        int Root(int i) => parent[i] == i ? i : parent[i] = Root(parent[i]);
        var hashes = items.Select(hash).ToArray();
        for (var i = 0; i < items.Count; i++)
            for (var j = i + 1; j < items.Count; j++)
                if (PerceptualHash.Distance(hashes[i], hashes[j]) <= maxDistance)
                    parent[Root(j)] = Root(i);
        return [.. Enumerable.Range(0, items.Count).GroupBy(Root).Where(g => g.Count() > 1).OrderBy(g => g.Min())
            .Select(g => (IReadOnlyList<T>)[.. g.Order().Select(i => items[i])])];
    }
}
