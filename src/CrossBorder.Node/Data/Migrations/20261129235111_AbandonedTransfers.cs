using CrossBorder.Node.Data;
using Microsoft.EntityFrameworkCore.Infrastructure;
using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace CrossBorder.Node.Data.Migrations
{
    /// <inheritdoc />
    [DbContext(typeof(NodeDbContext))]
    [Migration("20261129235111_AbandonedTransfers")]
    public partial class AbandonedTransfers : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<DateTimeOffset>(
                name: "last_range_at",
                table: "attachments",
                type: "timestamp with time zone",
                nullable: true);

            migrationBuilder.CreateIndex(
                name: "ix_attachments_receiving",
                table: "attachments",
                column: "last_range_at",
                filter: "state = 'receiving'");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "ix_attachments_receiving",
                table: "attachments");

            migrationBuilder.DropColumn(
                name: "last_range_at",
                table: "attachments");
        }
    }
}
