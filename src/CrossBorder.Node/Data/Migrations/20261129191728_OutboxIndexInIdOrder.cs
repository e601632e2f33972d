using CrossBorder.Node.Data;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace CrossBorder.Node.Data.Migrations
{
    /// <inheritdoc />
    [DbContext(typeof(NodeDbContext))]
    [Migration("20261129191728_OutboxIndexInIdOrder")]
    public partial class OutboxIndexInIdOrder : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_messages_next_attempt_at",
                table: "messages");

            migrationBuilder.CreateIndex(
                name: "ix_messages_outbox",
                table: "messages",
                column: "id",
                filter: "direction = 'outgoing' AND state = 'queued'");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "ix_messages_outbox",
                table: "messages");

            migrationBuilder.CreateIndex(
                name: "IX_messages_next_attempt_at",
                table: "messages",
                column: "next_attempt_at",
                filter: "state = 'queued'");
        }
    }
}
