namespace GanService.Domain.Imaging.Filters;

/// <summary>
/// Which dark regions of the paper grid are cast shadows rather than drawn fills: a shadow's edge is soft, a fill's
/// is drawn.
/// </summary>
/// <remarks>
/// A hand or a phone held over the sheet casts a shadow far darker than the lighting trend, as dark as a grey fill,
/// and as large. Their darkness cannot tell them apart, their edges can: a drawn fill (or a shaded shape with its
/// outline) steps from paper to its grey within a cell or two of the grid, while a shadow's penumbra fades over
/// several. Per connected region of cells darker than the trend, the steepest few of its cell-to-cell steps are
/// compared with its depth.
/// </remarks>
internal static class SoftShadows
{
    /// <summary>A region whose steep steps (90th percentile) reach less than this share of its depth has a soft edge.</summary>
    private const float SoftStepShare = 0.45f;

    /// <summary>Regions of fewer cells are left alone: too small to have a measurable penumbra.</summary>
    private const int MinCells = 12;

    /// <summary>
    /// Per cell of <paramref name="closed"/>: true where it lies in a soft-edged region more than
    /// <paramref name="darkerThan"/> (a fraction) below <paramref name="trend"/>.
    /// </summary>
    public static bool[] Find(Grid closed, Grid trend, float darkerThan)
    {
        int width = closed.Width, height = closed.Height;
        var shortfall = new float[closed.Values.Length];
        for (var i = 0; i < shortfall.Length; i++)
        {
            shortfall[i] = 1 - (closed.Values[i] / Math.Max(trend.Values[i], 1f));
        }

        var region = new int[shortfall.Length];
        Array.Fill(region, -1);
        var soft = new bool[shortfall.Length];
        var members = new List<int>();
        var stack = new Stack<int>();
        for (var start = 0; start < shortfall.Length; start++)
        {
            if (region[start] >= 0 || shortfall[start] <= darkerThan)
            {
                continue;
            }

            members.Clear();
            region[start] = start;
            stack.Push(start);
            while (stack.Count > 0)
            {
                var i = stack.Pop();
                members.Add(i);
                foreach (var n in Neighbours(i, width, height))
                {
                    if (region[n] < 0 && shortfall[n] > darkerThan)
                    {
                        region[n] = start;
                        stack.Push(n);
                    }
                }
            }

            if (members.Count >= MinCells && IsSoft(members, shortfall, width, height))
            {
                members.ForEach(i => soft[i] = true);
            }
        }

        return soft;
    }

    private static bool IsSoft(List<int> members, float[] shortfall, int width, int height)
    {
        var depth = members.Max(i => shortfall[i]);
        var steps = members.Select(i => Neighbours(i, width, height).Max(n => Math.Abs(shortfall[i] - shortfall[n]))).Order().ToList();
        var steep = steps[(int)(0.9 * (steps.Count - 1))];
        return steep < SoftStepShare * depth;
    }

    private static IEnumerable<int> Neighbours(int i, int width, int height)
    {
        int x = i % width, y = i / width;
        if (x > 0) yield return i - 1;
        if (x < width - 1) yield return i + 1;
        if (y > 0) yield return i - width;
        if (y < height - 1) yield return i + width;
    }
}
