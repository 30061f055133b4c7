namespace GanService.Domain.Imaging.Filters;

/// <summary>
/// Least-squares fit of a low-order polynomial surface to a grid: the broad trend of the lighting,
/// which no drawing can bend however large its filled areas are.
/// </summary>
internal static class SmoothSurface
{
    /// <summary>
    /// Fits the grid with outlier rejection: cells more than <paramref name="darkTolerance"/> (a fraction)
    /// darker than the fit are left out and the fit repeated, so dark blobs do not drag the surface down.
    /// </summary>
    public static Grid FitIgnoringDarkOutliers(Grid values, int degree, float darkTolerance, int rounds = 3)
    {
        var basis = Basis(values.Width, values.Height, degree);
        var weights = new float[values.Values.Length];
        Array.Fill(weights, 1f);
        var fit = Fit(values, weights, basis);
        for (var round = 0; round < rounds; round++)
        {
            for (var i = 0; i < weights.Length; i++)
            {
                weights[i] = values.Values[i] >= fit.Values[i] * (1 - darkTolerance) ? 1f : 0f;
            }

            fit = Fit(values, weights, basis);
        }

        return fit;
    }

    /// <summary>Weighted least-squares fit; <paramref name="basis"/> holds every term's value at every cell.</summary>
    private static Grid Fit(Grid values, ReadOnlySpan<float> weights, double[][] basis)
    {
        var n = basis.Length;
        var normal = new double[n, n];
        var rightSide = new double[n];
        for (var i = 0; i < values.Values.Length; i++)
        {
            var weight = weights[i];
            if (weight == 0)
            {
                continue;
            }

            for (var row = 0; row < n; row++)
            {
                var weightedTerm = weight * basis[row][i];
                rightSide[row] += weightedTerm * values.Values[i];
                for (var column = row; column < n; column++)
                {
                    normal[row, column] += weightedTerm * basis[column][i];
                }
            }
        }

        for (var row = 1; row < n; row++)
        {
            for (var column = 0; column < row; column++)
            {
                normal[row, column] = normal[column, row]; // symmetric: filled from the upper triangle
            }
        }

        var coefficients = Solve(normal, rightSide);
        var surface = new Grid(values.Width, values.Height);
        for (var i = 0; i < surface.Values.Length; i++)
        {
            var sum = 0.0;
            for (var k = 0; k < n; k++)
            {
                sum += coefficients[k] * basis[k][i];
            }

            surface.Values[i] = (float)sum;
        }

        return surface;
    }

    /// <summary>The terms xⁱ·yʲ (i + j ≤ degree) at every cell centre, coordinates scaled to [-1, 1].</summary>
    private static double[][] Basis(int width, int height, int degree)
    {
        var xPowers = Powers(width, degree);
        var yPowers = Powers(height, degree);
        var terms = new List<double[]>();
        for (var total = 0; total <= degree; total++)
        {
            for (var powerY = 0; powerY <= total; powerY++)
            {
                var powerX = total - powerY;
                var term = new double[width * height];
                for (var y = 0; y < height; y++)
                {
                    for (var x = 0; x < width; x++)
                    {
                        term[(y * width) + x] = xPowers[powerX][x] * yPowers[powerY][y];
                    }
                }

                terms.Add(term);
            }
        }

        return [.. terms];
    }

    /// <summary>[p][i] = (position i scaled to [-1, 1])^p.</summary>
    private static double[][] Powers(int length, int degree)
    {
        var powers = new double[degree + 1][];
        for (var p = 0; p <= degree; p++)
        {
            powers[p] = new double[length];
            for (var i = 0; i < length; i++)
            {
                powers[p][i] = p == 0 ? 1 : powers[p - 1][i] * Scaled(i, length);
            }
        }

        return powers;
    }

    private static double Scaled(int index, int length) => length == 1 ? 0 : ((2.0 * index) / (length - 1)) - 1;

    /// <summary>
    /// Gaussian elimination with partial pivoting. A term the data cannot determine (a one-cell-wide grid has
    /// no x trend; no weighted cells at all leaves nothing) gets coefficient 0 instead of blowing up.
    /// </summary>
    private static double[] Solve(double[,] matrix, double[] rightSide)
    {
        var n = rightSide.Length;
        var scale = 0.0;
        for (var i = 0; i < n; i++)
        {
            scale = Math.Max(scale, Math.Abs(matrix[i, i]));
        }

        var tiny = Math.Max(scale, 1) * 1e-9;
        var usable = new bool[n];
        for (var column = 0; column < n; column++)
        {
            var pivot = column;
            for (var row = column + 1; row < n; row++)
            {
                if (Math.Abs(matrix[row, column]) > Math.Abs(matrix[pivot, column]))
                {
                    pivot = row;
                }
            }

            if (Math.Abs(matrix[pivot, column]) < tiny)
            {
                continue;
            }

            usable[column] = true;
            SwapRows(matrix, rightSide, pivot, column);
            for (var row = 0; row < n; row++)
            {
                if (row == column)
                {
                    continue;
                }

                var factor = matrix[row, column] / matrix[column, column];
                for (var k = column; k < n; k++)
                {
                    matrix[row, k] -= factor * matrix[column, k];
                }

                rightSide[row] -= factor * rightSide[column];
            }
        }

        var solution = new double[n];
        for (var i = 0; i < n; i++)
        {
            solution[i] = usable[i] ? rightSide[i] / matrix[i, i] : 0;
        }

        return solution;
    }

    private static void SwapRows(double[,] matrix, double[] rightSide, int a, int b)
    {
        if (a == b)
        {
            return;
        }

        for (var k = 0; k < rightSide.Length; k++)
        {
            (matrix[a, k], matrix[b, k]) = (matrix[b, k], matrix[a, k]);
        }

        (rightSide[a], rightSide[b]) = (rightSide[b], rightSide[a]);
    }
}
