namespace CrossBorder.Cli.Local;

/// <summary>Finds the repository root: the nearest folder, upwards, holding CrossBorder.sln.</summary>
public static class RepositoryRoot
{
    public const string SolutionFileName = "CrossBorder.sln";

    public static string Find(string startDirectory)
    {
        for (var directory = new DirectoryInfo(Path.GetFullPath(startDirectory)); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, SolutionFileName)))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException(
            $"no {SolutionFileName} in {startDirectory} or any folder above it; run inside the repository or pass --root");
    }
}
