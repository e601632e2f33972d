#!/usr/bin/env python3
"""After `dotnet ef migrations add`: folds every migration designer but the latest into its migration.

EF applies a migration from its Up(); it needs the migration's [DbContext] and [Migration] attributes, not the model the
designer writes out (the current model is in NodeDbContextModelSnapshot). The latest designer stays whole, for
`dotnet ef migrations remove`. Run from the repository root. See docs/architecture.md, "Migrations".
"""
import glob
import os
import re

folder = 'src/CrossBorder.Node/Data/Migrations'
designers = sorted(glob.glob(os.path.join(folder, '*.Designer.cs')))
for designer in designers[:-1]:
    text = open(designer, encoding='utf-8-sig').read()
    migration_id = re.search(r'\[Migration\("([^"]+)"\)\]', text).group(1)
    name = re.search(r'partial class (\w+)', text).group(1)
    main = designer.replace('.Designer.cs', '.cs')
    source = open(main, encoding='utf-8-sig').read()
    declaration = f'    public partial class {name} : Migration'
    if declaration not in source:
        raise SystemExit(f'{main}: no "{declaration.strip()}"')
    source = source.replace(declaration,
        f'    [DbContext(typeof(NodeDbContext))]\n    [Migration("{migration_id}")]\n{declaration}', 1)
    for using in ('using Microsoft.EntityFrameworkCore.Infrastructure;', 'using CrossBorder.Node.Data;'):
        if using not in source:
            source = using + '\n' + source
    open(main, 'w', encoding='utf-8').write(source)
    os.remove(designer)
    print(f'folded {os.path.basename(designer)} into {os.path.basename(main)}')
print(f'kept {os.path.basename(designers[-1])}')
