using System.Text.RegularExpressions;
using CrossBorder.Node.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata;

namespace CrossBorder.Node.Tests.Data;

/// <summary>
/// The EF model is the one source of the schema: every table and column that raw SQL in <c>src/</c> names (the claim, the
/// sequencers, the audit tree, the CLI's re-drive and users...) must be one of the model's. A rename in the model that
/// leaves a raw statement behind fails here, with the file and the name, before any statement runs.
/// </summary>
public sealed partial class RawSqlNamesTests
{
    /// <summary>Names raw SQL may use that are not the model's tables: catalogs, CTEs and set-returning functions.</summary>
    private static readonly HashSet<string> NotTables = ["pg_database", "pg_locks", "unnest", "generate_series"];

    [Test]
    public void RawSql_NamesOnlyTablesAndColumnsOfTheModel()
    {
        using var db = new DesignTimeFactory().CreateDbContext([]);
        var tables = new Dictionary<string, HashSet<string>>(StringComparer.Ordinal);
        foreach (var entity in db.Model.GetEntityTypes())
        {
            if (entity.GetTableName() is not { } table)
                continue;
            var store = StoreObjectIdentifier.Table(table, entity.GetSchema());
            var columns = tables.TryGetValue(table, out var known) ? known : tables[table] = new HashSet<string>(StringComparer.Ordinal);
            foreach (var property in entity.GetProperties())
                if (property.GetColumnName(store) is { } column)
                    columns.Add(column);
        }
        var allColumns = tables.Values.SelectMany(c => c).ToHashSet(StringComparer.Ordinal);

        var root = Contract.OpenApiDocumentTests.RepositoryRoot();
        var problems = new List<string>();
        var statements = 0;
        foreach (var file in new[] { "CrossBorder.Node", "CrossBorder.Cli" }
                     .SelectMany(p => Directory.EnumerateFiles(Path.Combine(root, "src", p), "*.cs", SearchOption.AllDirectories))
                     .Where(f => !f.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal)
                                 && !f.Contains($"{Path.DirectorySeparatorChar}Migrations{Path.DirectorySeparatorChar}", StringComparison.Ordinal)))
        {
            var relative = Path.GetRelativePath(root, file);
            foreach (var sql in SqlLiterals(File.ReadAllText(file)))
            {
                statements++;
                var ctes = CteName().Matches(sql).Select(m => m.Groups[1].Value).ToHashSet(StringComparer.Ordinal);
                var aliases = new Dictionary<string, string>(StringComparer.Ordinal);
                foreach (Match reference in TableReference().Matches(sql))
                {
                    var table = reference.Groups[2].Value;
                    if (ctes.Contains(table) || NotTables.Contains(table))
                        continue;
                    if (!tables.ContainsKey(table))
                    {
                        problems.Add($"{relative}: table '{table}' is not in the model");
                        continue;
                    }
                    aliases[table] = table;
                    if (reference.Groups[3].Success && !SqlWords.Contains(reference.Groups[3].Value))
                        aliases[reference.Groups[3].Value] = table;
                }
                foreach (Match qualified in QualifiedColumn().Matches(sql))
                {
                    var (alias, column) = (qualified.Groups[1].Value, qualified.Groups[2].Value);
                    if (aliases.TryGetValue(alias, out var table) && !tables[table].Contains(column))
                        problems.Add($"{relative}: column '{alias}.{column}' is not a column of '{table}'");
                }
                // Unqualified snake_case names (every column of the model has an underscore or is one word): those with an
                // underscore must be a column of some table the statement names, unless they are a function, a CTE or an alias.
                var named = aliases.Values.Distinct().SelectMany(t => tables[t]).ToHashSet(StringComparer.Ordinal);
                var defined = OutputName().Matches(sql).Select(m => m.Groups[1].Value).ToHashSet(StringComparer.Ordinal);
                foreach (Match word in SnakeWord().Matches(sql))
                {
                    var name = word.Groups[1].Value;
                    if (named.Count == 0 || named.Contains(name) || ctes.Contains(name) || defined.Contains(name) || NotTables.Contains(name)
                        || tables.ContainsKey(name) || IsFunctionCall(sql, word))
                        continue;
                    problems.Add(allColumns.Contains(name)
                        ? $"{relative}: column '{name}' is not a column of the tables the statement names ({string.Join(", ", aliases.Values.Distinct())})"
                        : $"{relative}: column '{name}' is not in the model");
                }
            }
        }
        Assert.That(statements, Is.GreaterThan(40), "the scan finds the raw statements");
        Assert.That(problems.Distinct(), Is.Empty);
    }

    [Test]
    public void RawSqlScan_FindsANameTheModelDoesNotHave()
    {
        var literals = SqlLiterals(""""
            const string Sql = """
                UPDATE messages SET lease_until = now() WHERE leese_token = $1
                """;
            """").ToList();
        Assert.That(literals, Has.Count.EqualTo(1));
        Assert.That(SnakeWord().Matches(literals[0]).Select(m => m.Groups[1].Value), Does.Contain("leese_token"));
    }

    /// <summary>String literals (raw, verbatim or regular, interpolated or not) that read as SQL statements.</summary>
    private static IEnumerable<string> SqlLiterals(string source)
    {
        foreach (Match m in RawLiteral().Matches(source))
            if (SqlStatement().IsMatch(m.Groups[1].Value))
                yield return Strip(m.Groups[1].Value);
        foreach (Match m in RegularLiteral().Matches(RawLiteral().Replace(source, "")))
            if (SqlStatement().IsMatch(m.Groups[1].Value))
                yield return Strip(m.Groups[1].Value);
    }

    /// <summary>Interpolation holes and quoted text are not names.</summary>
    private static string Strip(string sql) => QuotedText().Replace(Hole().Replace(sql, _ => " 0 "), "''");

    private static bool IsFunctionCall(string sql, Match word)
    {
        var after = word.Index + word.Length;
        while (after < sql.Length && sql[after] == ' ') after++;
        return after < sql.Length && sql[after] == '(';
    }

    private static readonly HashSet<string> SqlWords = new(StringComparer.OrdinalIgnoreCase)
    {
        "where", "set", "on", "join", "left", "inner", "using", "order", "group", "limit", "for", "returning", "values", "as",
        "select", "from", "and", "or", "not", "union", "window", "having", "offset", "cross", "natural", "full", "right", "default",
    };

    [GeneratedRegex("\"\"\"(.*?)\"\"\"", RegexOptions.Singleline)]
    private static partial Regex RawLiteral();

    [GeneratedRegex("\"((?:[^\"\\\\\\n]|\\\\.)*)\"")]
    private static partial Regex RegularLiteral();

    // SQL keywords are written in capitals here, which keeps prose ("select one from it") out.
    [GeneratedRegex(@"^\s*(WITH\b|SELECT\b.*\bFROM\b|UPDATE\s+\w+\s+SET\b|INSERT\s+INTO\b|DELETE\s+FROM\b)", RegexOptions.Singleline)]
    private static partial Regex SqlStatement();

    [GeneratedRegex(@"\{[^{}]*\}")]
    private static partial Regex Hole();

    [GeneratedRegex(@"'[^']*'")]
    private static partial Regex QuotedText();

    // Not FOR UPDATE (a row lock), not extract(epoch FROM x) (lower case: an expression).
    [GeneratedRegex(@"(?<!FOR\s|epoch\s)\b(FROM|UPDATE|INTO|JOIN)\s+([a-z_][a-z0-9_]*)(?:\s+(?:AS\s+)?([a-z][a-z0-9_]*))?")]
    private static partial Regex TableReference();

    [GeneratedRegex(@"\b([a-z][a-z0-9_]*)\.([a-z_][a-z0-9_]*)\b")]
    private static partial Regex QualifiedColumn();

    [GeneratedRegex(@"(?:\bWITH|,)\s*([a-z_][a-z0-9_]*)\s+AS\s*(?:NOT\s+)?(?:MATERIALIZED\s+)?\(", RegexOptions.IgnoreCase)]
    private static partial Regex CteName();

    [GeneratedRegex(@"\bAS\s+([a-z_][a-z0-9_]*)", RegexOptions.IgnoreCase)]
    private static partial Regex OutputName();

    /// <summary>A lower-case snake_case word not after a dot (qualified names are checked on their own), not a $n parameter.</summary>
    [GeneratedRegex(@"(?<![.\w$@:])([a-z][a-z0-9]*_[a-z0-9_]+)\b")]
    private static partial Regex SnakeWord();
}
