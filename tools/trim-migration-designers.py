#!/usr/bin/env python3
# After `dotnet ef migrations add`: empties BuildTargetModel in every migration designer but the latest (EF applies a
# migration from its Up(); the snapshot holds the current model). Run from the repository root. See docs/architecture.md.
import glob, re, sys
files = sorted(glob.glob('src/CrossBorder.Node/Data/Migrations/*.Designer.cs'))
latest = files[-1]
for f in files[:-1]:
    s = open(f).read()
    i = s.index('        protected override void BuildTargetModel(ModelBuilder modelBuilder)')
    j = s.rindex('        }\n    }\n}')
    body = '''        /// <remarks>
        /// Trimmed: EF applies this migration from its Up() alone; the model as it stood after it is in git history,
        /// and the current model in NodeDbContextModelSnapshot (only the latest migration keeps its target model, for
        /// `dotnet ef migrations remove`).
        /// </remarks>
        protected override void BuildTargetModel(ModelBuilder modelBuilder)
        {
'''
    s = s[:i] + body + s[j:]
    open(f, 'w').write(s)
    print('trimmed', f)
print('kept', latest)
