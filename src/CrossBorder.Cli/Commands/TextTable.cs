namespace CrossBorder.Cli.Commands;

/// <summary>Left-aligned columns, two spaces apart, for the short tables <c>up</c> and <c>status</c> print.</summary>
public static class TextTable
{
    public static string Format(IReadOnlyList<string[]> rows)
    {
        var widths = Enumerable.Range(0, rows.Max(r => r.Length))
            .Select(column => rows.Max(r => column < r.Length ? r[column].Length : 0))
            .ToArray();
        return string.Join(Environment.NewLine, rows.Select(row =>
            string.Join("  ", row.Select((cell, column) => column == row.Length - 1 ? cell : cell.PadRight(widths[column]))).TrimEnd()));
    }
}
