using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace CrossBorder.Node.Data.Migrations
{
    /// <inheritdoc />
    public partial class FeedEventId : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropPrimaryKey(
                name: "PK_feed_events",
                table: "feed_events");

            migrationBuilder.AddColumn<Guid>(
                name: "id",
                table: "feed_events",
                type: "uuid",
                nullable: false,
                defaultValue: new Guid("00000000-0000-0000-0000-000000000000"));

            migrationBuilder.AddPrimaryKey(
                name: "PK_feed_events",
                table: "feed_events",
                column: "id");

            migrationBuilder.CreateIndex(
                name: "IX_feed_events_position",
                table: "feed_events",
                column: "position",
                unique: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropPrimaryKey(
                name: "PK_feed_events",
                table: "feed_events");

            migrationBuilder.DropIndex(
                name: "IX_feed_events_position",
                table: "feed_events");

            migrationBuilder.DropColumn(
                name: "id",
                table: "feed_events");

            migrationBuilder.AddPrimaryKey(
                name: "PK_feed_events",
                table: "feed_events",
                column: "position");
        }
    }
}
