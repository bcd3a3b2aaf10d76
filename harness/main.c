#include <stdio.h>
int main(void)
{
	puts("xfront: not yet");
	return 0;
}
