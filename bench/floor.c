/* The floor for start-up measurements: a C program that does nothing. */
int main(void)
{
	return 0;
}
