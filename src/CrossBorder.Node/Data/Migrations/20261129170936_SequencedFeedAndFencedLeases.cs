using CrossBorder.Node.Data;
using Microsoft.EntityFrameworkCore.Infrastructure;
using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace CrossBorder.Node.Data.Migrations
{
    /// <inheritdoc />
    [DbContext(typeof(NodeDbContext))]
    [Migration("20261129170936_SequencedFeedAndFencedLeases")]
    public partial class SequencedFeedAndFencedLeases : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<Guid>(
                name: "lease_token",
                table: "messages",
                type: "uuid",
                nullable: true);

            migrationBuilder.AlterColumn<long>(
                name: "position",
                table: "feed_events",
                type: "bigint",
                nullable: true,
                oldClrType: typeof(long),
                oldType: "bigint");

            migrationBuilder.CreateIndex(
                name: "ix_feed_events_unsequenced",
                table: "feed_events",
                columns: new[] { "at", "id" },
                filter: "position IS NULL");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "ix_feed_events_unsequenced",
                table: "feed_events");

            migrationBuilder.DropColumn(
                name: "lease_token",
                table: "messages");

            migrationBuilder.AlterColumn<long>(
                name: "position",
                table: "feed_events",
                type: "bigint",
                nullable: false,
                defaultValue: 0L,
                oldClrType: typeof(long),
                oldType: "bigint",
                oldNullable: true);
        }
    }
}
